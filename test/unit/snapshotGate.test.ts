import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSnapshot } from '../../daemon/testing/snapshot.js';
import type { Definitions } from '../../daemon/testing/snapshotDiff.js';

const tool = (name: string) => ({ name, inputSchema: { type: 'object' } });
const defs = (...tools: string[]): Definitions => ({ tools: tools.map(tool), prompts: [], resources: [] });
const policy = { file: 'snap.json', breaking: 'fail', additive: 'warn' } as const;

describe('a missing snapshot in an update gate', () => {
  let dir: string;
  let n = 0;
  /** A snapshot path of each test's own: the tests run in any order. */
  const fresh = () => path.join(dir, `snap-${++n}.json`);
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'berth-snapgate-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('fails with "no baseline" when the running version cannot stand in, and writes nothing', async () => {
    const file = fresh();
    const r = await checkSnapshot(file, policy, defs('echo'), false, { baseline: undefined, server: 'fx' });
    expect(r.status).toBe('failed');
    expect(r.failures[0]?.message).toMatch(/^no baseline: the snapshot .*snap-\d+\.json does not exist and fx is not running/);
    expect(existsSync(file)).toBe(false);
  });

  it("judges the candidate against the running version's definitions, not against itself", async () => {
    const file = fresh();
    const r = await checkSnapshot(file, policy, defs('echo'), false, { baseline: defs('echo', 'shout'), server: 'fx' });
    expect(r.status).toBe('failed');
    expect(r.failures[0]?.message).toContain('tool shout');
    expect(existsSync(file)).toBe(false);
  });

  it('outside a gate, a missing snapshot is still written and passes', async () => {
    const file = fresh();
    const r = await checkSnapshot(file, policy, defs('echo'), false);
    expect(r).toMatchObject({ status: 'passed', warnings: [`wrote a new snapshot to ${file}`] });
    expect(existsSync(file)).toBe(true);
  });
});
