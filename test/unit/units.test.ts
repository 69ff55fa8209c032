import { describe, expect, it } from 'vitest';
import { parseCpus, parseDuration, parseEnvPair, parseMemory, parseVolume } from '../../daemon/servers/units.js';

const MiB = 1024 * 1024;

describe('parseMemory', () => {
  it.each([
    ['512m', 512 * MiB],
    ['1g', 1024 * MiB],
    ['1G', 1024 * MiB],
    ['256MiB', 256 * MiB],
    ['256mb', 256 * MiB],
    ['1.5g', 1536 * MiB],
    ['8192k', 8 * MiB],
    ['1048576000', 1048576000],
    ['6m', 6 * MiB],
    [' 64m ', 64 * MiB],
  ])('%j → %d bytes', (input, bytes) => {
    expect(parseMemory(input)).toBe(bytes);
  });

  it('names the value and shows an example for junk', () => {
    expect(() => parseMemory('lots')).toThrow(
      'memory limit "lots" is not a size; use a number with a unit, like 512m or 1g',
    );
  });

  it.each(['', '-1', '1x', 'm', '1.2.3g', '1e9', '512 m b'])('rejects %j as not a size', (input) => {
    expect(() => parseMemory(input)).toThrow(/is not a size.*like 512m or 1g/);
  });

  it.each(['0', '1048576', '5m', '0.005g'])('rejects %j below the 6 MiB minimum', (input) => {
    expect(() => parseMemory(input)).toThrow(/below Docker's minimum of 6 MiB/);
  });

  it('rejects sizes beyond a safe integer', () => {
    expect(() => parseMemory('99999999999t')).toThrow(/too large/);
  });
});

describe('parseCpus', () => {
  it.each([
    ['0.5', 500_000_000],
    ['2', 2_000_000_000],
    ['.25', 250_000_000],
    ['0.01', 10_000_000],
    ['64', 64_000_000_000],
  ])('%j → %d nanoCPUs', (input, nano) => {
    expect(parseCpus(input)).toBe(nano);
  });

  it.each(['', 'two', '-1', '1e2', '0.5cpu'])('rejects %j as not a number', (input) => {
    expect(() => parseCpus(input)).toThrow(/is not a number of CPUs; use a number like 0.5 or 2/);
  });

  it.each(['0', '0.001', '64.5', '128'])('rejects %j as out of range', (input) => {
    expect(() => parseCpus(input)).toThrow(`CPU limit "${input}" is out of range`);
  });
});

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['10m', 600_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1.5s', 1500],
    ['1h30m', 5_400_000],
    ['0s', 0],
  ])('%j → %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each(['', '10', 'soon', '-5s', '10 m', '5w', '1h 30m', 'ms', '10mss'])('rejects %j', (input) => {
    expect(() => parseDuration(input)).toThrow(
      `duration ${JSON.stringify(input)} is not a duration; use a number with a unit (ms, s, m, h, d), like 30s or 10m`,
    );
  });
});

describe('parseEnvPair', () => {
  it.each([
    ['LOG_LEVEL=debug', ['LOG_LEVEL', 'debug']],
    ['_x=1', ['_x', '1']],
    ['EMPTY=', ['EMPTY', '']],
    ['URL=a=b=c', ['URL', 'a=b=c']],
    ['SPACES= a b ', ['SPACES', ' a b ']],
  ])('%j', (input, pair) => {
    expect(parseEnvPair(input)).toEqual(pair);
  });

  it('rejects a pair without "="', () => {
    expect(() => parseEnvPair('FOO')).toThrow('environment variable "FOO" has no "="; use KEY=VALUE, like LOG_LEVEL=debug');
  });

  it.each(['=x', '1A=x', 'A-B=x', 'A B=x', 'É=x'])('rejects the key of %j', (input) => {
    expect(() => parseEnvPair(input)).toThrow(/environment variable name ".*" is not valid.*like LOG_LEVEL=debug/);
  });
});

describe('parseVolume', () => {
  it('defaults to read-only', () => {
    expect(parseVolume('/home/me/notes:/data')).toEqual({ source: '/home/me/notes', target: '/data', readOnly: true });
  });

  it('honours explicit ro and rw', () => {
    expect(parseVolume('/a:/b:ro').readOnly).toBe(true);
    expect(parseVolume('/a:/b:rw').readOnly).toBe(false);
  });

  it('accepts a Windows host path', () => {
    expect(parseVolume('C:\\Users\\me:/data:rw')).toEqual({ source: 'C:\\Users\\me', target: '/data', readOnly: false });
  });

  it('allows dots that are not a ".." segment', () => {
    expect(parseVolume('/home/me/.config/x..y:/data/.cache').source).toBe('/home/me/.config/x..y');
  });

  it.each(['/home/me/../etc:/data', '/a:/data/../etc', '/a/..:/b', 'C:\\a\\..\\b:/data'])('refuses ".." in %j', (input) => {
    expect(() => parseVolume(input)).toThrow(/contains "\.\.", which is not allowed/);
  });

  it.each(['-v', '--privileged:/x', '-/a:/b'])('refuses flag-shaped %j', (input) => {
    expect(() => parseVolume(input)).toThrow(/looks like a flag/);
  });

  it.each(['/a', '/a:', 'C:\\a'])('refuses %j with no target', (input) => {
    expect(() => parseVolume(input)).toThrow(/has no container path/);
  });

  it.each(['a/b:/data', './a:/data', ':/data', '~/a:/data'])('refuses relative source %j', (input) => {
    expect(() => parseVolume(input)).toThrow(/is not an absolute host path/);
  });

  it.each(['/a:data', '/a:/'])('refuses target of %j', (input) => {
    expect(() => parseVolume(input)).toThrow(/is not an absolute container path/);
  });

  it('refuses an unknown mode', () => {
    expect(() => parseVolume('/a:/b:rx')).toThrow('volume "/a:/b:rx" has mode "rx"; use ro or rw, like /home/me/notes:/data:ro');
  });

  it('refuses extra separators', () => {
    expect(() => parseVolume('/a:/b:ro:z')).toThrow(/too many ":" separators/);
  });
});
