import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestRunResult } from '../../daemon/protocol/testRuns.js';
import { BERTH, TestHome } from '../support.js';

const MEMORY = `server: mem
cases:
  - id: create-then-read
    steps:
      - call: create_entities
        args: { entities: [{ name: Alice, entityType: person, observations: [likes tea] }] }
        capture: { created: "$.content[0].text" }
      - call: read_graph
        expect: { isError: false, contains: [Alice, likes tea], latencyMs: { max: 5000 } }
      - call: search_nodes
        args: { query: "Alice" }
        expect: { contains: person }
  - id: tools-listed
    listTools: true
    expect: { includes: [create_entities, read_graph] }
`;

const EVERYTHING = `server: ev
cases:
  - id: echo
    call: echo
    args: { message: hello berth }
    expect: { equals: "Echo: hello berth", matches: "^Echo: h.*h$", jsonPath: { "$.content[0].type": text } }
    capture: { said: "$.content[0].text" }
  - id: echo-twice
    steps:
      - call: echo
        args: { message: one }
        capture: { first: "$.content[0].text" }
      - call: echo
        args: { message: "{{first}}" }
        expect: { contains: "Echo: Echo: one" }
  - id: unknown-tool
    call: no_such_tool
    expect: { isError: true, contains: no_such_tool }
`;

const FAILING = `server: ev
cases:
  - id: wrong-text
    call: echo
    args: { message: hi }
    expect: { contains: goodbye }
  - id: not-an-error
    call: echo
    args: { message: hi }
    expect: { error: true }
  - id: missing-tool
    listTools: true
    expect: { includes: [echo, teleport] }
  - id: later-step-skipped
    steps:
      - call: echo
        args: { message: a }
        expect: { equals: "Echo: b" }
      - call: echo
        args: { message: c }
`;

describe('berth test: scenario files against Berth servers', () => {
  let home: TestHome;
  let dir: string;
  beforeAll(async () => {
    home = await TestHome.create();
    dir = await mkdtemp(path.join(os.tmpdir(), 'berth-mcptest-'));
    await mkdir(path.join(dir, 'pass'));
    await writeFile(path.join(dir, 'pass', 'memory.mcptest.yaml'), MEMORY);
    await writeFile(path.join(dir, 'pass', 'everything.mcptest.yaml'), EVERYTHING);
    await writeFile(path.join(dir, 'failing.mcptest.yaml'), FAILING);
    await home.ok(['add', 'mem', '--catalog', 'memory']);
    await home.ok(['add', 'ev', '--catalog', 'everything']);
  });
  afterAll(async () => {
    await home.dispose();
  });
  /** A file in a folder of its own: two cases run every file under `dir`, in any order. */
  const ownFile = async (name: string) => path.join(await mkdtemp(path.join(os.tmpdir(), 'berth-mcptest-own-')), name);

  it('passes passing files (starting their servers), prints each case and the summary, exits 0', async () => {
    const r = await home.berth(['test', path.join(dir, 'pass')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('✓ memory.mcptest.yaml › create-then-read [local]');
    expect(r.stdout).toContain('✓ everything.mcptest.yaml › echo-twice [local]');
    expect(r.stdout).toMatch(/^5 passed, 0 failed \(/m);
  });

  it('fails a failing file with the right messages, exits 1, and writes JUnit XML that reads back', async () => {
    const junit = path.join(dir, 'junit.xml');
    const r = await home.berth(['test', dir, '--json', '--junit', junit]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('berth: 4 tests failed');
    const run = JSON.parse(r.stdout) as TestRunResult;
    expect([run.passed, run.failed]).toEqual([5, 4]);
    const failing = run.files.find((f) => f.file.endsWith('failing.mcptest.yaml'));
    const byId = new Map(failing?.cases.map((c) => [c.id, c]));
    expect(byId.get('wrong-text')?.steps[0]?.failures[0]).toMatchObject({ message: `tool echo's answer does not contain "goodbye"`, expected: 'goodbye', actual: 'Echo: hi' });
    expect(byId.get('not-an-error')?.steps[0]?.failures[0]?.message).toBe('expected tool echo to fail with a JSON-RPC error, but it answered');
    expect(byId.get('missing-tool')?.steps[0]?.failures[0]?.message).toBe('the tools list lacks teleport');
    expect(byId.get('later-step-skipped')?.steps.map((s) => s.status)).toEqual(['failed', 'skipped']);

    const xml = await readFile(junit, 'utf8');
    const suites = [...xml.matchAll(/<testsuite name="([^"]+)" tests="(\d+)" failures="(\d+)"/g)].map((m) => [m[1], Number(m[2]), Number(m[3])]);
    expect(suites).toEqual([
      ['failing.mcptest.yaml', 4, 4],
      ['everything.mcptest.yaml', 3, 0],
      ['memory.mcptest.yaml', 2, 0],
    ]);
    expect(xml).toContain('<testcase classname="failing.mcptest.yaml" name="wrong-text"');
    expect(xml).toContain('<failure message="call echo: tool echo&apos;s answer does not contain &quot;goodbye&quot;"'.replace('&apos;', "'"));
  });

  it('benchmarks a call and compares each run with the previous one', async () => {
    const file = await ownFile('bench.mcptest.yaml');
    await writeFile(file, 'server: ev\ncases:\n  - id: echo-bench\n    call: echo\n    args: { message: hi }\n    bench: { warmup: 5, iterations: 200, concurrency: 4 }\n');
    const first = await home.berth(['test', file]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/bench echo: p50 [\d.]+ ms, p95 [\d.]+ ms, p99 [\d.]+ ms, [\d.]+ calls\/s, 0 errors of 200; first run/);
    const second = await home.json<TestRunResult>(['test', file]);
    const bench = second.files[0]?.cases[0]?.steps[0]?.bench;
    expect(bench).toMatchObject({ iterations: 200, concurrency: 4, errors: 0 });
    expect(bench!.p50).toBeLessThanOrEqual(bench!.p95);
    expect(bench!.p95).toBeLessThanOrEqual(bench!.p99);
    expect(bench!.previous?.p50Ratio).toBeGreaterThan(0);
    expect(bench!.previous?.callsPerSecondRatio).toBeGreaterThan(0);
  });

  it('--init writes a starter file from the server\'s tools that passes as it is', async () => {
    const project = await mkdtemp(path.join(os.tmpdir(), 'berth-project-'));
    const inProject = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, [BERTH, ...args], { cwd: project, env: home.env }, (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }));
      });
    const init = await inProject(['test', '--init', 'ev']);
    expect(init.stdout).toMatch(/^wrote \.berth\/tests\/ev\.mcptest\.yaml \(\d+ cases\); run it with `berth test ev`/);
    const text = await readFile(path.join(project, '.berth', 'tests', 'ev.mcptest.yaml'), 'utf8');
    expect(text).toContain('listTools: true');
    expect(text).toContain('call: echo');
    const again = await inProject(['test', '--init', 'ev']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists; edit it, or remove it to start again');
    const r = await inProject(['test', 'ev']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^\d+ passed, 0 failed/m);
    expect(r.code).toBe(0);
  });

  it('runs a throwaway on each of its hosts, side by side; a host that does not exist fails its own cases', async () => {
    const file = await ownFile('hosts.mcptest.yaml');
    await writeFile(file, 'server: catalog:everything\nhosts: [local, elsewhere]\ncases:\n  - id: echo\n    call: echo\n    args: { message: hi }\n    expect: { contains: hi }\n');
    const r = await home.berth(['test', file, '--json']);
    expect(r.code).toBe(1);
    const run = JSON.parse(r.stdout) as TestRunResult;
    expect(run.files[0]?.cases.map((c) => [c.id, c.host, c.status])).toEqual([
      ['echo', 'local', 'passed'],
      ['echo', 'elsewhere', 'failed'],
    ]);
    expect(run.files[0]?.cases[1]?.steps[0]?.failures[0]?.message).toBe('server catalog:everything on elsewhere could not be used: there is no host named "elsewhere"; `berth host ls` lists them');
  });

  it('says which line of a file is wrong', async () => {
    const bad = await ownFile('bad.mcptest.yaml');
    await writeFile(bad, 'server: ev\ncases:\n  - id: x\n    call: echo\n    listTools: true\n');
    const r = await home.berth(['test', bad]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`✗ ${bad}: line 3: cases.0: a case has either "steps" or exactly one of call, listTools, listPrompts, listResources inline`);
  });
});
