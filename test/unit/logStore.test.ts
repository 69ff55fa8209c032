import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { finished } from 'node:stream/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogStore } from '../../daemon/logs/store.js';
import type { LogLine } from '../../daemon/protocol/status.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-logs-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const texts = (lines: LogLine[]): string[] => lines.map((l) => l.text);

describe('LogStore', () => {
  it('splits chunks into lines and buffers the partial last line', async () => {
    const store = new LogStore(dir);
    store.append('srv', 'stderr', 'one\ntw', 1);
    store.append('srv', 'stderr', 'o\r\nthr', 2);
    expect(texts(await store.query('srv', {}))).toEqual(['one', 'two']);
    // The partial line keeps the time its first chunk arrived.
    expect((await store.query('srv', {}))[1]!.t).toBe(1);
    store.flush('srv');
    expect(texts(await store.query('srv', {}))).toEqual(['one', 'two', 'thr']);
  });

  it('keeps partial lines per stream', async () => {
    const store = new LogStore(dir);
    store.append('srv', 'stdout', 'out-', 1);
    store.append('srv', 'stderr', 'err\n', 2);
    store.append('srv', 'stdout', 'done\n', 3);
    expect(await store.query('srv', {})).toEqual([
      { t: 2, stream: 'stderr', text: 'err' },
      { t: 1, stream: 'stdout', text: 'out-done' },
    ]);
  });

  it('keeps empty lines but flush of nothing writes nothing', async () => {
    const store = new LogStore(dir);
    store.append('srv', 'stdout', 'a\n\nb\n', 1);
    store.flush('srv');
    expect(texts(await store.query('srv', {}))).toEqual(['a', '', 'b']);
  });

  it('writes berth-stream messages without waiting for a newline', async () => {
    const store = new LogStore(dir);
    store.append('srv', 'berth', 'started container abc', 5);
    expect(await store.query('srv', {})).toEqual([{ t: 5, stream: 'berth', text: 'started container abc' }]);
  });

  it('stores a berth-stream message as one line, whatever line breaks the text it quotes holds', async () => {
    const store = new LogStore(dir);
    store.append('srv', 'berth', 'refused a call of x\nfake: container started\n', 5);
    expect(await store.query('srv', {})).toEqual([{ t: 5, stream: 'berth', text: 'refused a call of x\nfake: container started' }]);
  });

  it('writes no raw control character to its file, and reads the text back as it came', async () => {
    const store = new LogStore(dir);
    const text = 'clear \u001b[2J, CSI \u009b2J, DEL \u007f, separator \u2028 end';
    store.append('srv', 'stderr', `${text}\n`, 1);
    const file = fs.readFileSync(path.join(dir, 'srv.log'), 'utf8');
    expect(file.trimEnd().split('\n')).toHaveLength(1);
    expect(file).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/);
    expect(texts(await store.query('srv', {}))).toEqual([text]);
  });

  it('reassembles UTF-8 characters split across Buffer chunks', async () => {
    const store = new LogStore(dir);
    const bytes = Buffer.from('héllo ✓\n');
    store.append('srv', 'stdout', bytes.subarray(0, 2));
    store.append('srv', 'stdout', bytes.subarray(2, 8));
    store.append('srv', 'stdout', bytes.subarray(8));
    expect(texts(await store.query('srv', {}))).toEqual(['héllo ✓']);
  });

  it('stores one JSON object per line in <dir>/<server>.log', () => {
    const store = new LogStore(dir);
    store.append('srv', 'stderr', 'say "hi"\n', 42);
    expect(fs.readFileSync(path.join(dir, 'srv.log'), 'utf8')).toBe('{"t":42,"s":"stderr","m":"say \\"hi\\""}\n');
  });

  it('truncates very long lines at 16 KiB with a marker, even across chunks', async () => {
    const store = new LogStore(dir);
    const chunk = 'x'.repeat(10_000);
    store.append('srv', 'stdout', chunk);
    store.append('srv', 'stdout', chunk);
    store.append('srv', 'stdout', chunk + '\nshort\n');
    const [long, short] = texts(await store.query('srv', {}));
    expect(long).toBe('x'.repeat(16 * 1024) + ` …[truncated ${30_000 - 16 * 1024} bytes]`);
    expect(short).toBe('short');
  });

  it('redacts a secret that straddles the 16 KiB cut before cutting, so no part of it is stored', async () => {
    const secret = 'sup3r-s3cret-value-that-is-long';
    const store = new LogStore(dir, { redact: (text) => text.replaceAll(secret, '[redacted secret]') });
    store.append('srv', 'stderr', `${'x'.repeat(16 * 1024 - 10)}${secret}${'y'.repeat(100)}\n`);
    const [line] = texts(await store.query('srv', {}));
    expect(line).toMatch(/^x{16374}\[redacted +…\[truncated \d+ bytes\]$/);
    expect(line).not.toContain(secret.slice(0, 10));
  });

  it('does not split a multi-byte character when truncating', async () => {
    const store = new LogStore(dir);
    store.append('srv', 'stdout', 'a' + '€'.repeat(6000) + '\n'); // 1 + 18000 bytes
    const [line] = texts(await store.query('srv', {}));
    const kept = line!.slice(0, line!.indexOf(' …'));
    expect(kept).toBe('a' + '€'.repeat(5461));
    expect(Buffer.byteLength(kept)).toBe(16 * 1024);
    expect(line).toMatch(/ …\[truncated 1617 bytes\]$/);
  });

  describe('query', () => {
    const seed = (store: LogStore): void => {
      store.append('srv', 'stdout', 'GET /a 200\n', 100);
      store.append('srv', 'stderr', 'warn: slow\n', 200);
      store.append('srv', 'stdout', 'GET /b 500\n', 300);
      store.append('srv', 'stdout', 'GET /c 200\n', 400);
    };

    it('filters by since (inclusive), grep, and keeps the last N after filtering', async () => {
      const store = new LogStore(dir);
      seed(store);
      expect(texts(await store.query('srv', { since: 300 }))).toEqual(['GET /b 500', 'GET /c 200']);
      expect(texts(await store.query('srv', { grep: '^GET .* 200$' }))).toEqual(['GET /a 200', 'GET /c 200']);
      expect(texts(await store.query('srv', { grep: 'GET', lines: 2 }))).toEqual(['GET /b 500', 'GET /c 200']);
      expect(texts(await store.query('srv', { lines: 10 }))).toHaveLength(4);
      expect(await store.query('srv', { lines: 0 })).toEqual([]);
      expect(texts(await store.query('srv', { since: 150, grep: '200', lines: 1 }))).toEqual(['GET /c 200']);
    });

    it('rejects an invalid grep with a one-line message', async () => {
      const store = new LogStore(dir);
      const err = await store.query('srv', { grep: '(' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(/^grep pattern "\(" is not a valid RE2 regular expression \(missing closing \)/);
      expect((err as Error).message).not.toContain('\n');
    });

    it('matches with RE2: a backtracking pattern on a long line answers, a backreference is refused', async () => {
      const store = new LogStore(dir);
      store.append('srv', 'stderr', `${'a'.repeat(10_000)}b\n`);
      store.append('srv', 'stderr', 'aaa\n');
      // A backtracking engine takes about 2^10000 steps for the first line.
      expect(texts(await store.query('srv', { grep: '(a+)+$' }))).toEqual(['aaa']);
      expect(texts(await store.query('srv', { grep: '(?i)^A{3}$' }))).toEqual(['aaa']);
      await expect(store.query('srv', { grep: '(a)\\1' })).rejects.toThrow(
        'grep pattern "(a)\\\\1" is not a valid RE2 regular expression (invalid escape sequence: `\\1`); RE2 has no backreferences or lookaround',
      );
    });

    it('rejects a bad lines count', async () => {
      const store = new LogStore(dir);
      await expect(store.query('srv', { lines: -1 })).rejects.toThrow(/lines must be a whole number/);
      await expect(store.query('srv', { lines: 1.5 })).rejects.toThrow(/lines must be a whole number/);
    });

    it('returns nothing for a server with no logs', async () => {
      expect(await new LogStore(dir).query('nobody', {})).toEqual([]);
    });
  });

  it('survives a restart: a new store reads the old lines and appends after them', async () => {
    const first = new LogStore(dir);
    first.append('srv', 'stdout', 'before\n', 1);
    const second = new LogStore(dir);
    second.append('srv', 'stdout', 'after\n', 2);
    expect(texts(await second.query('srv', {}))).toEqual(['before', 'after']);
    expect(await second.lastTimestamp('srv')).toBe(2);
  });

  it('skips torn and foreign lines, and starts a fresh line after a torn tail', async () => {
    const file = path.join(dir, 'srv.log');
    fs.writeFileSync(
      file,
      ['{"t":1,"s":"stdout","m":"ok"}', 'not json', '{"t":"x","s":"stdout","m":"bad t"}', '{"t":2,"s":"other","m":"bad s"}', '{"t":3,"s":"std'].join(
        '\n',
      ),
    );
    const store = new LogStore(dir);
    store.append('srv', 'stdout', 'next\n', 4);
    expect(await store.query('srv', {})).toEqual([
      { t: 1, stream: 'stdout', text: 'ok' },
      { t: 4, stream: 'stdout', text: 'next' },
    ]);
  });

  it('rotates when over maxFileBytes and keeps maxFiles old files', async () => {
    const store = new LogStore(dir, { maxFileBytes: 100, maxFiles: 2 });
    // Each stored line is 41 bytes, so two fit per file.
    for (let i = 0; i < 10; i++) store.append('srv', 'stdout', `line ${i}\n`, 1_000_000_000_000 + i);
    const names = fs.readdirSync(dir).sort();
    expect(names).toEqual(['srv.log', 'srv.log.1', 'srv.log.2']);
    for (const n of names) expect(fs.statSync(path.join(dir, n)).size).toBeLessThanOrEqual(100);
    expect(texts(await store.query('srv', {}))).toEqual(['line 4', 'line 5', 'line 6', 'line 7', 'line 8', 'line 9']);
  });

  it('rotates within one large chunk too', async () => {
    const store = new LogStore(dir, { maxFileBytes: 100, maxFiles: 5 });
    store.append('srv', 'stdout', Array.from({ length: 6 }, (_, i) => `line ${i}`).join('\n') + '\n', 1_000_000_000_000);
    expect(fs.readdirSync(dir).sort()).toEqual(['srv.log', 'srv.log.1', 'srv.log.2']);
    expect(texts(await store.query('srv', {}))).toHaveLength(6);
  });

  it('a query racing a rotation sees no duplicated or missing lines', async () => {
    const store = new LogStore(dir, { maxFileBytes: 100, maxFiles: 10 });
    const line = (i: number): string => `line ${i}\n`;
    for (let i = 0; i < 4; i++) store.append('srv', 'stdout', line(i), 1_000_000_000_000);
    for (let round = 0; round < 20; round++) {
      const pending = store.query('srv', {});
      // Rotations happen synchronously while the query's reads are in flight.
      for (let i = 0; i < 3; i++) store.append('srv', 'stdout', line(4 + round * 3 + i), 1_000_000_000_000);
      const got = texts(await pending);
      // The oldest files may rotate away, but what is returned must be consecutive and not older than the query.
      const first = Number(got[0]!.split(' ')[1]);
      expect(got).toEqual(Array.from({ length: got.length }, (_, i) => `line ${first + i}`));
      expect(first + got.length).toBeGreaterThanOrEqual(4 + round * 3);
    }
  });

  it('with maxFiles 0 keeps only the current file', async () => {
    const store = new LogStore(dir, { maxFileBytes: 100, maxFiles: 0 });
    for (let i = 0; i < 5; i++) store.append('srv', 'stdout', `line ${i}\n`, 1_000_000_000_000 + i);
    expect(fs.readdirSync(dir)).toEqual(['srv.log']);
    expect(texts(await store.query('srv', {}))).toEqual(['line 4']);
  });

  it('follow delivers new lines until disposed; a throwing follower does not break others', async () => {
    const store = new LogStore(dir);
    store.append('srv', 'stdout', 'history\n');
    const seen: string[] = [];
    const other: string[] = [];
    const sub = store.follow('srv', (l) => seen.push(l.text));
    store.follow('srv', () => {
      throw new Error('boom');
    });
    store.follow('other', (l) => other.push(l.text));
    store.append('srv', 'stdout', 'a\nb\npartial');
    store.flush('srv');
    sub.dispose();
    store.append('srv', 'stdout', 'after\n');
    expect(seen).toEqual(['a', 'b', 'partial']);
    expect(other).toEqual([]);
    expect(texts(await store.query('srv', {}))).toEqual(['history', 'a', 'b', 'partial', 'after']);
  });

  it('lastTimestamp looks into rotated files and is undefined with no logs', async () => {
    const store = new LogStore(dir, { maxFileBytes: 100, maxFiles: 2 });
    expect(await store.lastTimestamp('srv')).toBeUndefined();
    const long = 'x'.repeat(40); // one stored line per 100-byte file
    store.append('srv', 'stdout', `${long}\n`, 7);
    store.append('srv', 'stdout', `${long}\n`, 8);
    expect(await store.lastTimestamp('srv')).toBe(8);
    fs.writeFileSync(path.join(dir, 'srv.log'), 'torn'); // current file holds nothing usable
    expect(await store.lastTimestamp('srv')).toBe(7);
  });

  it('remove deletes the server files (rotated ones too) and drops buffered text', async () => {
    const store = new LogStore(dir, { maxFileBytes: 100, maxFiles: 2 });
    for (let i = 0; i < 6; i++) store.append('srv', 'stdout', `line ${i}\n`, 1_000_000_000_000);
    store.append('srv', 'stdout', 'pending');
    store.append('srv.2', 'stdout', 'keep me\n');
    fs.writeFileSync(path.join(dir, 'srv.log.9'), ''); // left by an earlier, larger maxFiles
    await store.remove('srv');
    expect(fs.readdirSync(dir)).toEqual(['srv.2.log']);
    store.flush('srv');
    expect(await store.query('srv', {})).toEqual([]);
    expect(texts(await store.query('srv.2', {}))).toEqual(['keep me']);
  });

  it("writes a run's last unterminated line on its own when the run's stream ends, not glued to the next run's first line", async () => {
    const store = new LogStore(dir);
    const run1 = new PassThrough();
    store.pipe('srv', 'stderr', run1);
    run1.end('starting\npanic: out of cheese');
    await finished(run1);
    const run2 = new PassThrough();
    store.pipe('srv', 'stderr', run2);
    run2.end('starting again\n');
    await finished(run2);
    expect(texts(await store.query('srv', {}))).toEqual(['starting', 'panic: out of cheese', 'starting again']);
  });

  it('on a full disk drops lines without throwing, tells the daemon log once, and the server log once space returns', async (ctx) => {
    const mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-full-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt], { stdio: 'pipe' });
    } catch (e) {
      fs.rmdirSync(mnt);
      console.log(`skipped the full-disk test: mounting a 64 KB tmpfs is not permitted here (${String((e as { stderr?: Buffer }).stderr ?? e).trim()})`);
      ctx.skip();
      return;
    }
    try {
      const notices: string[] = [];
      const store = new LogStore(path.join(mnt, 'logs'), { notice: (l) => notices.push(l) });
      const followed: string[] = [];
      store.follow('srv', (l) => followed.push(l.text));
      const filler = path.join(mnt, 'filler');
      expect(() => fs.writeFileSync(filler, Buffer.alloc(1024 * 1024))).toThrow(/ENOSPC/);

      // As a container's stderr reaches it: a throw here would be an uncaught exception in a stream handler.
      const stderr = new PassThrough();
      store.pipe('srv', 'stderr', stderr);
      stderr.write('lost one\nlost two\n');
      stderr.write('lost three\n');
      store.append('srv', 'berth', 'restarting in 1 s\n');
      expect(followed).toEqual(['lost one', 'lost two', 'lost three', 'restarting in 1 s']);
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatch(/^could not write server logs to .*\/logs \(ENOSPC: no space left on device.*\); their lines are dropped until writing works again/);

      fs.rmSync(filler);
      stderr.end('back\n');
      await finished(stderr);
      const lines = texts(await store.query('srv', {}));
      expect(lines).toEqual([expect.stringMatching(/^4 log lines were not saved \(\S+Z to \S+Z\): writing the log failed \(ENOSPC: no space left on device/), 'back']);
      expect(notices).toEqual([notices[0], expect.stringMatching(/^writing server logs to .*\/logs works again$/)]);
    } finally {
      execFileSync('umount', [mnt]);
      fs.rmdirSync(mnt);
    }
  });

  it('recreates a directory deleted underneath it', async () => {
    const store = new LogStore(dir);
    fs.rmSync(dir, { recursive: true });
    store.append('srv', 'stdout', 'still here\n');
    expect(texts(await store.query('srv', {}))).toEqual(['still here']);
  });

  it.each(['../etc/passwd', 'a/b', '', 'UPPER', '-x', 'a'.repeat(64), '.hidden'])('refuses server name %j', async (name) => {
    const store = new LogStore(dir);
    expect(() => store.append(name, 'stdout', 'x\n')).toThrow(/invalid server name/);
    expect(() => store.flush(name)).toThrow(/invalid server name/);
    expect(() => store.follow(name, () => {})).toThrow(/invalid server name/);
    await expect(store.query(name, {})).rejects.toThrow(/invalid server name/);
    await expect(store.lastTimestamp(name)).rejects.toThrow(/invalid server name/);
    await expect(store.remove(name)).rejects.toThrow(/invalid server name/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('refuses nonsensical limits', () => {
    expect(() => new LogStore(dir, { maxFileBytes: 0 })).toThrow(/invalid log limits/);
    expect(() => new LogStore(dir, { maxFiles: -1 })).toThrow(/invalid log limits/);
  });
});
