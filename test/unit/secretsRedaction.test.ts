import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogStore } from '../../daemon/logs/store.js';
import { SecurityContext } from '../../daemon/policy/context.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'berth-redaction-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const spec = (over: Partial<Parameters<SecurityContext['containerEnv']>[0]> = {}) => ({ name: 'srv', host: 'local', env: { A: '1' }, volumes: [], secrets: ['TOKEN'], ...over });

describe('secrets in the daemon', () => {
  it('the log store redacts a secret even when a server splits it across chunks', async () => {
    const sec = new SecurityContext(dir, { BERTH_HOME: dir });
    sec.secrets.set('TOKEN', 'split-me-secret');
    const logs = new LogStore(path.join(dir, 'logs'), { redact: (t) => sec.redact(t) });
    logs.append('srv', 'stderr', Buffer.from('token is split-'));
    logs.append('srv', 'stderr', Buffer.from('me-secret, ok\n'));
    logs.append('srv', 'berth', 'error mentioning split-me-secret');
    const lines = await logs.query('srv', {});
    expect(lines.map((l) => l.text)).toEqual(['token is [redacted secret], ok', 'error mentioning [redacted secret]']);
    expect(readFileSync(path.join(dir, 'logs', 'srv.log'), 'utf8')).not.toContain('split-me-secret');
  });

  it('injects secrets as env at creation, and says which one is missing', () => {
    const sec = new SecurityContext(dir, { BERTH_HOME: dir });
    expect(() => sec.containerEnv(spec())).toThrow(/needs secret TOKEN, which is not set/);
    sec.secrets.set('TOKEN', 'value-123456');
    expect(sec.containerEnv(spec())).toEqual({ A: '1', TOKEN: 'value-123456' });
  });

  it("an editor's value wins over a stored one, only in servers whose spec names it, and a missing one says both ways to set it", () => {
    const sec = new SecurityContext(dir, { BERTH_HOME: dir });
    expect(() => sec.containerEnv(spec())).toThrow('server srv needs secret TOKEN, which is not set; set it with `berth secret set TOKEN` or, in VS Code, "Berth: Set Secret…"');
    sec.secrets.set('TOKEN', 'stored-value-1');
    sec.provideSecrets([{ name: 'TOKEN', value: 'editor-value-1' }]);
    expect(sec.containerEnv(spec())).toEqual({ A: '1', TOKEN: 'editor-value-1' });
    expect(sec.containerEnv(spec({ name: 'other', secrets: [] }))).toEqual({ A: '1' });
    expect(sec.listSecrets(['UNSET'])).toEqual([
      { name: 'TOKEN', sources: ['editor', 'stored'], updated: expect.any(Number) },
      { name: 'UNSET', sources: [], updated: undefined },
    ]);
    sec.forgetSecrets(['TOKEN']);
    expect(sec.containerEnv(spec())).toEqual({ A: '1', TOKEN: 'stored-value-1' });
    expect(sec.listSecrets([]).map((s) => s.sources)).toEqual([['stored']]);
  });

  it('never writes an editor value to disk; redacts it, and still after it is forgotten', () => {
    const sec = new SecurityContext(dir, { BERTH_HOME: dir });
    sec.provideSecrets([{ name: 'TOKEN', value: 'editor-only-value' }]);
    sec.containerHash('abc', spec());
    expect(sec.redact('token=editor-only-value')).toBe('token=[redacted secret]');
    sec.forgetSecrets(['TOKEN']);
    expect(sec.redact('token=editor-only-value')).toBe('token=[redacted secret]');
    for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
      const file = path.join(dir, f);
      if (statSync(file).isFile()) expect(readFileSync(file, 'utf8')).not.toContain('editor-only-value');
    }
  });

  it("an editor's value counts in the container hash; after a daemon restart its remembered fingerprint keeps the hash until a different value arrives", () => {
    const sec = new SecurityContext(dir, { BERTH_HOME: dir });
    sec.provideSecrets([{ name: 'TOKEN', value: 'editor-value-1' }]);
    const one = sec.containerHash('abc', spec());
    sec.provideSecrets([{ name: 'TOKEN', value: 'editor-value-2' }]);
    const two = sec.containerHash('abc', spec());
    expect(two).not.toBe(one);
    // A new daemon: no value in memory yet, the container made with value 2 is still its own.
    const restarted = new SecurityContext(dir, { BERTH_HOME: dir });
    expect(restarted.containerHash('abc', spec())).toBe(two);
    restarted.provideSecrets([{ name: 'TOKEN', value: 'editor-value-2' }]);
    expect(restarted.containerHash('abc', spec())).toBe(two);
    restarted.provideSecrets([{ name: 'TOKEN', value: 'editor-value-3' }]);
    expect(restarted.containerHash('abc', spec())).not.toBe(two);
    // Forgotten: nothing is remembered, so the next daemon sees it missing.
    restarted.forgetSecrets(['TOKEN']);
    const missing = new SecurityContext(dir, { BERTH_HOME: dir }).containerHash('abc', spec());
    expect([one, two]).not.toContain(missing);
    expect(() => new SecurityContext(dir, { BERTH_HOME: dir }).containerEnv(spec())).toThrow(/needs secret TOKEN, which is not set/);
  });

  it("a stored value's container hash is the one Berth made before editor values existed, so upgrading recreates nothing", () => {
    const sec = new SecurityContext(dir, { BERTH_HOME: dir });
    sec.secrets.set('TOKEN', 'stored-value-1');
    const fp = createHmac('sha256', sec.secrets.fingerprintKey()).update('TOKEN\0stored-value-1\0').digest('hex').slice(0, 16);
    expect(sec.containerHash('abc', spec())).toBe(createHash('sha256').update(`abc:${fp}`).digest('hex').slice(0, 16));
  });

  it('checks mounts again at creation, on the filesystem as it is then', () => {
    const sec = new SecurityContext(dir, { BERTH_HOME: dir });
    expect(() => sec.containerEnv(spec({ secrets: [], volumes: [{ source: '/etc', target: '/data' }] }))).toThrow(/volumes\.0: mount source "\/etc"/);
    expect(sec.containerEnv(spec({ secrets: [], volumes: [{ source: '/etc', target: '/data', allowSensitive: true }] }))).toEqual({ A: '1' });
  });

  it('a changed secret value changes the container hash; the hash does not reveal the value', () => {
    const sec = new SecurityContext(dir, { BERTH_HOME: dir });
    expect(sec.containerHash('abc', spec({ secrets: [] }))).toBe('abc');
    sec.secrets.set('TOKEN', 'value-one-1');
    const one = sec.containerHash('abc', spec());
    sec.secrets.set('TOKEN', 'value-two-2');
    expect(sec.containerHash('abc', spec())).not.toBe(one);
    // Keyed per home: another home with the same value gets another hash.
    const other = new SecurityContext(path.join(dir, 'other'), { BERTH_HOME: path.join(dir, 'other') });
    other.secrets.set('TOKEN', 'value-two-2');
    expect(other.containerHash('abc', spec())).not.toBe(sec.containerHash('abc', spec()));
  });

  it('calls: policy first, then pinning, then secret scanning of the arguments', () => {
    const sec = new SecurityContext(dir, { BERTH_HOME: dir });
    const tool = (description: string) => ({ name: 'echo', description, inputSchema: { type: 'object' as const } });
    sec.review('srv', { tools: [tool('v1')], prompts: [], resources: [] });
    const changed = { tools: [tool('v2')], prompts: [], resources: [] };
    sec.review('srv', changed);
    expect(sec.visible('srv', undefined, changed).tools).toEqual([]);
    expect(() => sec.checkCall('srv', 'echo', {}, changed, { deny: ['echo'] })).toThrow(/deny list/);
    expect(() => sec.checkCall('srv', 'echo', {}, changed, undefined)).toThrow(/withheld by tool pinning/);
    expect(sec.pending('srv').diff).toContain('+   "description": "v2",');
    sec.approve('srv');
    expect(sec.visible('srv', undefined, changed).tools.map((t) => t.name)).toEqual(['echo']);
    expect(() => sec.checkCall('srv', 'echo', { k: ['AKIA', 'IOSFODNN7EXAMPLE'].join('') }, changed, undefined)).toThrow(/blocked by secret scanning.*AKIA…\[redacted\] at \$\.k/);
    expect(() => sec.checkCall('srv', 'echo', { k: 'fine' }, changed, undefined)).not.toThrow();
  });
});
