import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { McpTestFile, Step } from '../protocol/mcptest.js';
import { caseSteps, stepLabel } from '../protocol/mcptestYaml.js';
import { readScenario } from './scenarioFile.js';
import { SNAPSHOT_CASE, type CaseResult, type FileResult, type StepResult, type TestEvent, type TestRunResult } from '../protocol/testRuns.js';
import { recordBench, runBench } from './bench.js';
import { substitute } from './captures.js';
import { checkExpectations, outcomeValue, type Outcome } from './expectations.js';
import { readJsonPath } from './jsonPath.js';
import { checkSnapshot, snapshotPath, writeSnapshot } from './snapshot.js';
import { definitionsOf } from './snapshotDiff.js';
import { defaultHost, runningTarget, runtimeFor, throwawayTarget, type TargetDeps, type TestTarget } from './target.js';
import { beginRun, sweepThrowaways } from '../servers/throwaways.js';
import type { ServerSpec } from '../protocol/spec.js';

export interface RunnerDeps extends TargetDeps {
  stateDir: string;
}

export interface RunOptions {
  files: string[];
  cases?: string[];
  host?: string;
  updateSnapshots?: boolean;
  bench?: 'run' | 'skip' | 'only';
  trace?: boolean;
  /**
   * An update's candidate: the files of this server run against throwaway copies of this spec
   * (the new version, on the server's host), never against the running server.
   */
  candidate?: { server: string; spec: ServerSpec };
}

/**
 * Runs scenario files: each on its hosts, against the running server or throwaway ones, case
 * after case, step after step. Reports each step as it ends; a cancelled run stops at the next
 * step and still removes every throwaway container it made.
 */
export async function runTests(deps: RunnerDeps, o: RunOptions, signal: AbortSignal, emit: (e: TestEvent) => void): Promise<TestRunResult> {
  const t0 = Date.now();
  const runId = randomBytes(4).toString('hex');
  const end = beginRun(runId);
  const files: FileResult[] = [];
  try {
    for (const file of o.files) files.push(await runFile(deps, o, file, runId, signal, emit));
  } finally {
    end();
  }
  // A file that cannot run at all counts as one failure.
  const cases: { status: CaseResult['status'] }[] = files.flatMap((f): { status: CaseResult['status'] }[] => (f.error ? [{ status: 'failed' }] : f.cases));
  return {
    passed: cases.filter((c) => c.status === 'passed').length,
    failed: cases.filter((c) => c.status === 'failed').length,
    skipped: cases.filter((c) => c.status === 'skipped').length,
    durationMs: Date.now() - t0,
    cancelled: signal.aborted,
    files,
  };
}

async function runFile(deps: RunnerDeps, o: RunOptions, file: string, runId: string, signal: AbortSignal, emit: (e: TestEvent) => void): Promise<FileResult> {
  const done = (r: FileResult) => {
    emit({ kind: 'file', result: r });
    return r;
  };
  const parsed = await readScenario(file);
  if (!parsed.ok) return done({ file, server: '', status: 'failed', error: `${file}: ${parsed.error}`, cases: [] });
  const spec = parsed.file;
  const throwaway = /^(image|catalog):/.test(spec.server);
  const candidate = o.candidate?.server === spec.server ? o.candidate.spec : undefined;
  const fresh = candidate ? (spec.fresh === 'per-case' ? 'per-case' : 'per-file') : (spec.fresh ?? (throwaway ? 'per-file' : 'none'));
  const wanted = (id: string) => !o.cases || o.cases.includes(id);
  const benchOnly = o.bench === 'only';
  const cases = spec.cases.filter((c) => wanted(c.id) && (!benchOnly || caseSteps(c).some((s) => s.bench)));
  const withSnapshot = spec.snapshot !== undefined && wanted(SNAPSHOT_CASE) && !benchOnly;
  const results: CaseResult[] = [];
  let hosts: string[];
  try {
    hosts = candidate ? [candidate.host] : o.host ? [o.host] : (spec.hosts ?? [defaultHost(deps, spec)]);
  } catch (e) {
    return done({ file, server: spec.server, status: 'failed', error: (e as Error).message, cases: [] });
  }
  const say = (line: string) => emit({ kind: 'output', file, text: line });

  for (const host of hosts) {
    const open = async (): Promise<TestTarget> => {
      if (fresh === 'none') return runningTarget(deps, spec, host, say);
      await sweepThrowaways(runtimeFor(deps, host), deps.instance);
      say(`starting a throwaway ${spec.server} on ${host}`);
      return throwawayTarget(deps, spec, file, host, runId, say, candidate);
    };
    let shared: TestTarget | undefined;
    try {
      if (fresh !== 'per-case' || withSnapshot) shared = await open();
    } catch (e) {
      const reason = `server ${spec.server} on ${host} could not be used: ${(e as Error).message}`;
      for (const c of cases) results.push(failCase(c.id, host, reason, emit, file));
      if (withSnapshot) results.push(failCase(SNAPSHOT_CASE, host, reason, emit, file));
      continue;
    }
    try {
      for (const c of cases) {
        if (signal.aborted) {
          results.push(skipCase(c.id, host, caseSteps(c).map(stepLabel)));
          continue;
        }
        emit({ kind: 'started', file, case: c.id, host });
        const started = Date.now();
        let target = shared;
        let steps: StepResult[];
        try {
          if (fresh === 'per-case') target = await open();
          steps = await runCase(deps, o, file, c.id, caseSteps(c), target as TestTarget, host, signal, emit, say);
        } catch (e) {
          steps = [{ label: 'server', status: 'failed', durationMs: 0, failures: [{ message: `server ${spec.server} on ${host} could not be used: ${(e as Error).message}` }], warnings: [] }];
        } finally {
          if (fresh === 'per-case' && target && target !== shared) await target.dispose().catch((e: Error) => say(`removing a throwaway server failed: ${e.message}`));
        }
        const r: CaseResult = { id: c.id, host, status: caseStatus(steps), durationMs: Date.now() - started, steps };
        results.push(r);
        emit({ kind: 'case', file, host, result: r });
      }
      if (withSnapshot && shared && spec.snapshot && !signal.aborted) {
        emit({ kind: 'started', file, case: SNAPSHOT_CASE, host });
        const started = Date.now();
        // Several hosts share one snapshot: the same server must offer the same definitions everywhere.
        // In an update's gate a missing snapshot file must not make the candidate its own baseline:
        // the running version's definitions stand in for it (none when it does not run: "no baseline").
        const running = candidate && deps.registry.has(spec.server) ? deps.registry.get(spec.server).offeredCapabilities : undefined;
        const missing = candidate ? { baseline: running && definitionsOf(running), server: spec.server } : 'write';
        const snap = spec.snapshot;
        // snapshotPath throws for a path that leads outside the scenario's folder: a failed step, like any other.
        const step = await Promise.resolve()
          .then(() => checkSnapshot(snapshotPath(file, snap), snap, definitionsOf(shared.offered()), o.updateSnapshots ?? false, missing))
          .catch((e: Error): Omit<StepResult, 'durationMs'> => ({ label: 'snapshot', status: 'failed', failures: [{ message: e.message }], warnings: [] }));
        const s: StepResult = { ...step, durationMs: Date.now() - started };
        emit({ kind: 'step', file, case: SNAPSHOT_CASE, step: 0, host, result: s });
        const r: CaseResult = { id: SNAPSHOT_CASE, host, status: s.status, durationMs: s.durationMs, steps: [s] };
        results.push(r);
        emit({ kind: 'case', file, host, result: r });
      }
    } finally {
      if (fresh !== 'none' && shared) await shared.dispose().catch((e: Error) => say(`removing a throwaway server failed: ${e.message}`));
    }
  }
  const status = results.some((r) => r.status === 'failed') ? 'failed' : results.every((r) => r.status === 'skipped') ? 'skipped' : 'passed';
  return done({ file, server: spec.server, status, cases: results });
}

function caseStatus(steps: StepResult[]): CaseResult['status'] {
  if (steps.some((s) => s.status === 'failed')) return 'failed';
  return steps.every((s) => s.status === 'skipped') ? 'skipped' : 'passed';
}

function failCase(id: string, host: string, message: string, emit: (e: TestEvent) => void, file: string): CaseResult {
  const r: CaseResult = { id, host, status: 'failed', durationMs: 0, steps: [{ label: 'server', status: 'failed', durationMs: 0, failures: [{ message }], warnings: [] }] };
  emit({ kind: 'case', file, host, result: r });
  return r;
}

function skipCase(id: string, host: string, labels: string[]): CaseResult {
  return { id, host, status: 'skipped', durationMs: 0, steps: labels.map((label) => ({ label, status: 'skipped', durationMs: 0, failures: [], warnings: [] })) };
}

async function runCase(
  deps: RunnerDeps,
  o: RunOptions,
  file: string,
  caseId: string,
  steps: Step[],
  target: TestTarget,
  host: string,
  signal: AbortSignal,
  emit: (e: TestEvent) => void,
  say: (line: string) => void,
): Promise<StepResult[]> {
  const captured = new Map<string, unknown>();
  const results: StepResult[] = [];
  for (const [i, step] of steps.entries()) {
    const label = stepLabel(step);
    const skip = results.some((r) => r.status === 'failed') || signal.aborted || (step.bench !== undefined && o.bench === 'skip');
    if (skip) {
      results.push({ label, status: 'skipped', durationMs: 0, failures: [], warnings: [] });
      continue;
    }
    emit({ kind: 'started', file, case: caseId, step: i, host });
    const started = Date.now();
    let r: StepResult;
    try {
      r = await runStep(deps, o, [file, caseId, String(i), host], step, target, captured, signal, o.trace ? say : undefined);
    } catch (e) {
      r = { label, status: 'failed', durationMs: 0, failures: [{ message: (e as Error).message }], warnings: [] };
    }
    r.durationMs = Date.now() - started;
    results.push(r);
    emit({ kind: 'step', file, case: caseId, step: i, host, result: r });
  }
  return results;
}

async function runStep(
  deps: RunnerDeps,
  o: RunOptions,
  benchKey: string[],
  step: Step,
  target: TestTarget,
  captured: Map<string, unknown>,
  signal: AbortSignal,
  trace: ((line: string) => void) | undefined,
): Promise<StepResult> {
  const label = stepLabel(step);
  const expect = substitute(step.expect, captured) as Step['expect'];
  let outcome: Outcome;
  if (step.call !== undefined) {
    const tool = step.call;
    const args = substitute(step.args, captured) as Record<string, unknown> | undefined;
    const outputSchema = target.capabilities().tools.find((t) => t.name === tool)?.outputSchema as Record<string, unknown> | undefined;
    if (step.bench) {
      const stats = await runBench(step.bench, async () => !(await target.callTool(tool, args, signal)).isError, signal);
      const bench = await recordBench(deps.stateDir, benchKey, stats);
      const failures = stats.errors ? [{ message: `${stats.errors} of ${stats.iterations} calls of ${tool} failed` }] : [];
      if (expect?.latencyMs && stats.p95 > expect.latencyMs.max) failures.push({ message: `p95 of ${tool} is ${stats.p95} ms, over its budget of ${expect.latencyMs.max} ms` });
      return { label, status: failures.length ? 'failed' : 'passed', durationMs: 0, failures, warnings: [], bench };
    }
    trace?.(`→ tools/call ${tool} ${JSON.stringify(args ?? {})}`);
    const t = performance.now();
    try {
      const result = await target.callTool(tool, args, signal);
      outcome = { kind: 'call', tool, result, latencyMs: performance.now() - t, outputSchema };
    } catch (e) {
      if (signal.aborted) throw new Error('the run was cancelled');
      const code = (e as { code?: unknown }).code;
      outcome = { kind: 'call', tool, error: { code: typeof code === 'number' ? code : undefined, message: (e as Error).message }, latencyMs: performance.now() - t, outputSchema };
    }
  } else {
    const what = step.listTools !== undefined ? 'tools' : step.listPrompts !== undefined ? 'prompts' : 'resources';
    trace?.(`→ ${what}/list`);
    const t = performance.now();
    // The real request, so that its answer and its latencyMs budget are the server's, not a cache's.
    try {
      outcome = { kind: 'list', what, items: await target.list(what, signal), latencyMs: performance.now() - t };
    } catch (e) {
      if (signal.aborted) throw new Error('the run was cancelled');
      throw e;
    }
  }
  trace?.(`← ${JSON.stringify(outcomeValue(outcome))}`);
  const failures = checkExpectations(expect, outcome);
  for (const [name, p] of Object.entries(step.capture ?? {})) {
    const v = readJsonPath(outcomeValue(outcome), p);
    if (v === undefined) failures.push({ message: `capture ${name}: ${p} found nothing in the answer`, actual: JSON.stringify(outcomeValue(outcome), null, 2) });
    else captured.set(name, v);
  }
  return { label, status: failures.length ? 'failed' : 'passed', durationMs: 0, failures, warnings: [] };
}

/** Accept snapshot: the file's snapshot rewritten from its server as it is now. */
export async function acceptSnapshot(deps: RunnerDeps, file: string): Promise<string> {
  const parsed = await readScenario(file);
  if (!parsed.ok) throw new Error(`${file}: ${parsed.error}`);
  const spec: McpTestFile = parsed.file;
  if (!spec.snapshot) throw new Error(`${path.basename(file)} has no snapshot: to accept`);
  // Refused before any server is started for it.
  const out = snapshotPath(file, spec.snapshot);
  const runId = randomBytes(4).toString('hex');
  const end = beginRun(runId);
  const host = spec.hosts?.[0] ?? defaultHost(deps, spec);
  const throwaway = (spec.fresh ?? (/^(image|catalog):/.test(spec.server) ? 'per-file' : 'none')) !== 'none';
  const target = throwaway ? await throwawayTarget(deps, spec, file, host, runId, () => undefined) : await runningTarget(deps, spec, host, () => undefined);
  try {
    await writeSnapshot(out, definitionsOf(target.offered()));
    return out;
  } finally {
    if (throwaway) await target.dispose().catch(() => undefined);
    end();
  }
}
