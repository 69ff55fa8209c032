import { describe, expect, it } from 'vitest';
import { checkSpecValues, checkValue } from '../../daemon/policy/values.js';

describe('flag-shaped values', () => {
  it.each([
    ['volume source', '--privileged'],
    ['volume target', '-v'],
    ['user', '--user=0'],
    ['image', '--rm'],
    ['env name', '-e'],
    ['command', '--entrypoint'],
  ] as const)('refuses a %s of %j', (field, value) => {
    expect(checkValue(field, value)).toMatch(new RegExp(`^${field} ".*" looks like a command-line flag`));
  });

  it('refuses a leading-whitespace flag and a NUL', () => {
    expect(checkValue('user', ' --privileged')).toMatch(/looks like a command-line flag/);
    expect(checkValue('image', 'a\0b')).toMatch(/NUL/);
  });

  it('allows ordinary values', () => {
    expect(checkValue('user', '10001:10001')).toBeUndefined();
    expect(checkValue('volume source', '/home/me/a-b')).toBeUndefined();
  });

  it('args may start with "-": they are the server\'s own argv, never a shell or a docker command line', () => {
    expect(checkSpecValues({ args: ['--verbose', '-y'] })).toEqual([]);
  });

  it('lists every refused field of a spec', () => {
    const errors = checkSpecValues({
      image: '--privileged',
      user: '-u0',
      command: ['--cap-add=ALL', 'x'],
      args: ['ok\0no'],
      env: { '-e': 'x', OK: 'a\0' },
      volumes: [{ source: '--privileged', target: '-/data' }],
    });
    expect(errors.map((e) => e.split(':')[0])).toEqual(['image', 'security.user', 'command.0', 'args.0', 'env.-e', 'env.OK', 'volumes.0.source', 'volumes.0.target']);
  });
});
