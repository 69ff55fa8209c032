import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestRunResult } from '../../daemon/protocol/testRuns.js';
import { FIXTURE_IMAGE, TestHome, waitFor } from '../support.js';

/** Each snapshot test has a server of its own, so the tests run in any order; `envs` holds each one's extra env. */
const SNAPSHOTTED = ['fx1', 'fx2', 'fx3'] as const;
type Snapshotted = (typeof SNAPSHOTTED)[number];
const envs: Record<Snapshotted, string> = { fx1: '', fx2: '', fx3: '' };
const spec = () => `servers:
${SNAPSHOTTED.map((n) => `  ${n}:\n    image: ${FIXTURE_IMAGE}\n    args: [/app/tools.js]\n    env: { ${envs[n]} }\n`).join('')}  slow:
    image: ${FIXTURE_IMAGE}
    args: [/app/slow.js]
  lazy:
    image: ${FIXTURE_IMAGE}
    args: [/app/tools.js]
    env: { LIST_DELAY_MS: "1500" }
`;

const FX = (server: Snapshotted) => `server: ${server}
snapshot: { file: snap/${server}.tools.json, breaking: fail, additive: warn }
cases:
  - id: echo
    call: echo
    args: { message: hi }
    expect: { equals: hi }
  - id: unknown-tool
    call: teleport
    expect: { error: { code: -32602 } }
`;

const SLOW = `server: slow
cases:
  - id: within-budget
    call: wait
    args: { ms: 1500 }
    expect: { latencyMs: { max: 300 } }
`;

const LAZY = `server: lazy
cases:
  - id: lists-in-budget
    listTools: true
    expect: { includes: [echo], latencyMs: { max: 300 } }
`;

describe('berth test: snapshots of a server whose tools change, and latency budgets', () => {
  let home: TestHome;
  let dir: string;
  const run = async (server: Snapshotted, extra: string[] = []) => {
    const r = await home.berth(['test', path.join(dir, `${server}.mcptest.yaml`), '--json', ...extra]);
    return { code: r.code, run: JSON.parse(r.stdout) as TestRunResult };
  };
  const snapshotStep = (r: TestRunResult) => r.files[0]?.cases.find((c) => c.id === 'snapshot')?.steps[0];
  /** The spec changes; a new container replaces the old one, which is when the server offers its new tools. */
  const respec = async (server: Snapshotted, env: string) => {
    const before = (await home.server(server)).containerId;
    envs[server] = env;
    await home.writeSpecs(spec());
    await waitFor('the changed server to run in its new container', async () => {
      const s = await home.server(server);
      return s.phase === 'healthy' && s.containerId !== before;
    });
  };

  beforeAll(async () => {
    home = await TestHome.create();
    dir = await mkdtemp(path.join(os.tmpdir(), 'berth-mcptest-'));
    for (const n of SNAPSHOTTED) await writeFile(path.join(dir, `${n}.mcptest.yaml`), FX(n));
    await writeFile(path.join(dir, 'slow.mcptest.yaml'), SLOW);
    await writeFile(path.join(dir, 'lazy.mcptest.yaml'), LAZY);
    await home.writeSpecs(spec());
  });
  afterAll(async () => {
    await home.dispose();
  });

  it('writes the first snapshot and passes', async () => {
    const { code, run: r } = await run('fx1');
    expect(code).toBe(0);
    expect([r.passed, r.failed]).toEqual([3, 0]);
    expect(snapshotStep(r)?.warnings[0]).toBe(`wrote a new snapshot to ${path.join(dir, 'snap', 'fx1.tools.json')}`);
    const snap = JSON.parse(await readFile(path.join(dir, 'snap', 'fx1.tools.json'), 'utf8')) as { tools: { name: string }[] };
    expect(snap.tools.map((t) => t.name)).toEqual(['delete_all', 'echo', 'leak', 'write_note']);
  });

  it('warns about an added tool (additive: warn) and still passes', async () => {
    expect((await run('fx2')).code).toBe(0);
    await respec('fx2', 'EXTRA_TOOL: "1"');
    const { code, run: r } = await run('fx2');
    expect(code).toBe(0);
    expect(snapshotStep(r)?.warnings).toEqual(['1 additive change since the snapshot: tool shout was added']);
  });

  it('fails on a new required argument (breaking: fail), and --update-snapshots accepts it', async () => {
    expect((await run('fx3')).code).toBe(0);
    await respec('fx3', 'ECHO_REQUIRED: "1"');
    const failed = await run('fx3');
    expect(failed.code).toBe(1);
    // The snapshot records what the server offers; the changed echo is also withheld from clients until approved.
    expect(snapshotStep(failed.run)?.failures[0]?.message).toBe('1 breaking change since the snapshot: tool echo: new required argument message; accept them with --update-snapshots');
    await home.ok(['tools', 'approve', 'fx3']);

    const updated = await run('fx3', ['--update-snapshots']);
    expect(updated.code).toBe(0);
    const snap = JSON.parse(await readFile(path.join(dir, 'snap', 'fx3.tools.json'), 'utf8')) as { tools: { name: string; inputSchema: { required?: string[] } }[] };
    expect(snap.tools.find((t) => t.name === 'echo')?.inputSchema.required).toEqual(['message']);
    const again = await run('fx3');
    expect([again.code, snapshotStep(again.run)?.warnings, snapshotStep(again.run)?.failures]).toEqual([0, [], []]);
  });

  it('fails a call that takes longer than its latency budget', async () => {
    const r = await home.berth(['test', path.join(dir, 'slow.mcptest.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/call wait: tool wait took \d+ ms, over its budget of 300 ms/);
  });

  it('a listTools step sends tools/list and measures it: a slow list is over its budget', async () => {
    const r = await home.berth(['test', path.join(dir, 'lazy.mcptest.yaml')]);
    expect(r.code).toBe(1);
    const took = /the tools list took (\d+) ms, over its budget of 300 ms/.exec(r.stdout);
    expect(took, r.stdout).not.toBeNull();
    expect(Number(took![1])).toBeGreaterThanOrEqual(1500);
  });
});
