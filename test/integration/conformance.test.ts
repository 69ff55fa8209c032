import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuthForwarder } from '../conformance/authForwarder.js';
import { ERAS, expectedFailures, expectedScenarios, judge, runConformance, type ConformanceRun } from '../conformance/runConformance.js';
import { bundleSdkFixtures, FIXTURE_IMAGE, TestHome } from '../support.js';

interface Endpoint {
  url: string;
  headers: Record<string, string>;
}

// The official MCP conformance suite against Berth's gateway, fronting the SDK v2 conformance
// fixture (stdio, in a container), and against that fixture alone over HTTP, so a failure can be
// told Berth's from the fixture's. Which scenarios may fail, and why: test/conformance/expected-failures.yaml.
//
// The fixture speaks both eras, but its 2025 tools ask the client with pushed requests, which a
// 2026-07-28 session has no way to carry: the 2025 suite runs where Berth's session with the
// fixture is 2025-era (stdio's default), the 2026-07-28 suite where Berth negotiated 2026-07-28.
const SERVER = { '2025': 'conf', '2026-07-28': 'conf-modern' } as const;
describe('MCP conformance suite (@modelcontextprotocol/conformance)', () => {
  let home: TestHome;
  let forwarder: Awaited<ReturnType<typeof startAuthForwarder>>;
  let fixture: ChildProcess;
  let fixtureUrl: string;
  let scratch: string;
  const expected = expectedFailures();
  const scenarios = expectedScenarios();

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'berth-conformance-'));
    await bundleSdkFixtures(scratch);
    const bundle = path.join(scratch, 'conformance.js');
    // Its stderr (the SDK reporting each request a negative scenario sends) is not wanted here.
    fixture = spawn(process.execPath, [bundle, '--http', '0'], { stdio: ['ignore', 'pipe', 'ignore'] });
    fixtureUrl = await new Promise<string>((resolve, reject) => {
      let out = '';
      fixture.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const m = /listening on (\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      fixture.once('exit', (code) => reject(new Error(`the conformance fixture exited (${code}) before listening`)));
    });

    home = await TestHome.create();
    await home.writeSpecs(`servers:
  conf:
    image: ${FIXTURE_IMAGE}
    args: [/app/conformance.js]
  conf-modern:
    image: ${FIXTURE_IMAGE}
    args: [/app/conformance.js]
    protocol: auto
`);
    await home.ok(['start', 'conf']);
    await home.ok(['start', 'conf-modern']);
    const ep = await home.json<Endpoint>(['endpoint', 'conf']);
    forwarder = await startAuthForwarder(new URL(ep.url), ep.headers.Authorization!);
  });
  afterAll(async () => {
    fixture?.kill();
    await forwarder?.close();
    await home?.dispose();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  function check(label: string, era: (typeof ERAS)[number], run: ConformanceRun, reasons: Record<string, string>): void {
    const { line, problems } = judge(label, run, { failures: reasons, skipped: expected.skipped[era], scenarios: scenarios[era] });
    console.log(line);
    const table = run.scenarios.map((s) => `  ${s.failed ? '✗' : '✓'} ${s.name}: ${s.passed} passed, ${s.failed} failed`).join('\n');
    const advice = `each scenario's checks are in ${run.resultsDir}; fix the cause, or list the scenario with its reason in test/conformance/expected-failures.yaml`;
    expect(problems, `${line}\n${table}\n${advice}`).toEqual([]);
  }

  for (const era of ERAS) {
    it(`the bare fixture fails only its expected ${era} scenarios`, async () => {
      const reasons = expected.fixture[era];
      check(`fixture, ${era}`, era, await runConformance(fixtureUrl, era, `fixture-${era}`, Object.keys(reasons)), reasons);
    });

    it(`the gateway's /mcp/NAME fails only the expected ${era} scenarios`, async () => {
      const reasons = { ...expected.fixture[era], ...expected.gateway[era] };
      check(era, era, await runConformance(forwarder.url(`/mcp/${SERVER[era]}`), era, `gateway-${era}`, Object.keys(reasons)), reasons);
    });
  }
});
