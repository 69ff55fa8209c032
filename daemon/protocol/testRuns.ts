import { z } from 'zod';
import { notification, request, WithProgress } from './define.js';
import { HostName } from './hosts.js';

/** Running scenario files: the daemon owns the containers, so it runs them and cleans up after them. */

export const TestStatus = z.enum(['passed', 'failed', 'skipped']);
export type TestStatus = z.infer<typeof TestStatus>;

/** One thing that did not hold, with what was expected and what came, for a diff. */
export const TestFailure = z.object({ message: z.string(), expected: z.string().optional(), actual: z.string().optional() });
export type TestFailure = z.infer<typeof TestFailure>;

export const BenchStats = z.object({
  iterations: z.number(),
  concurrency: z.number(),
  errors: z.number(),
  p50: z.number(),
  p95: z.number(),
  p99: z.number(),
  callsPerSecond: z.number(),
  /** This run's p50 and calls/s over the previous run's, when there was one. */
  previous: z.object({ p50Ratio: z.number(), callsPerSecondRatio: z.number(), at: z.number() }).optional(),
});
export type BenchStats = z.infer<typeof BenchStats>;

export const StepResult = z.object({
  label: z.string(),
  status: TestStatus,
  durationMs: z.number(),
  failures: z.array(TestFailure),
  /** Said but not failed: a snapshot's additive change under `warn`. */
  warnings: z.array(z.string()).default([]),
  bench: BenchStats.optional(),
});
export type StepResult = z.infer<typeof StepResult>;

/** The snapshot of a file's definitions is reported as a case of its own, with this id. */
export const SNAPSHOT_CASE = 'snapshot';

export const CaseResult = z.object({
  id: z.string(),
  host: z.string(),
  status: TestStatus,
  durationMs: z.number(),
  steps: z.array(StepResult),
});
export type CaseResult = z.infer<typeof CaseResult>;

export const FileResult = z.object({
  file: z.string(),
  server: z.string(),
  status: TestStatus,
  /** Why the file could not run at all (it does not parse, its server cannot start). */
  error: z.string().optional(),
  cases: z.array(CaseResult),
});
export type FileResult = z.infer<typeof FileResult>;

export const TestRunResult = z.object({
  passed: z.number(),
  failed: z.number(),
  skipped: z.number(),
  durationMs: z.number(),
  cancelled: z.boolean(),
  files: z.array(FileResult),
});
export type TestRunResult = z.infer<typeof TestRunResult>;

const AbsolutePath = z.string().min(1).max(4096).refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p), 'must be an absolute path');

export const TestsRun = request(
  'tests/run',
  z
    .object({
      files: z.array(AbsolutePath).min(1).max(1000),
      /** Only these cases (by id, in any file); all when absent. */
      cases: z.array(z.string().max(100)).optional(),
      /** Run on this host instead of the files' own. */
      host: HostName.optional(),
      updateSnapshots: z.boolean().optional(),
      /** `skip` leaves bench steps out, `only` runs only cases that have one. */
      bench: z.enum(['run', 'skip', 'only']).optional(),
      /** Report each MCP request and answer as `trace` events. */
      trace: z.boolean().optional(),
      ...WithProgress,
    })
    .strict(),
  TestRunResult,
);

/** Writes `FILE.mcptest.yaml` from a server's tools: a list step, a call per read-only tool, a snapshot. */
export const TestsInit = request(
  'tests/init',
  z.object({ server: z.string().min(1).max(100), file: AbsolutePath }).strict(),
  z.object({ file: z.string(), cases: z.number() }),
);

/** Rewrites the snapshot of one file's definitions from the server as it is now (Accept snapshot). */
export const TestsAcceptSnapshot = request('tests/acceptSnapshot', z.object({ file: AbsolutePath }).strict(), z.object({ snapshot: z.string() }));

export const TestEvent = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('started'), file: z.string(), case: z.string().optional(), step: z.number().optional(), host: z.string() }),
  z.object({ kind: z.literal('step'), file: z.string(), case: z.string(), step: z.number(), host: z.string(), result: StepResult }),
  z.object({ kind: z.literal('case'), file: z.string(), host: z.string(), result: CaseResult }),
  z.object({ kind: z.literal('file'), result: FileResult }),
  /** A line about the run itself: an image build, a server starting, a JSON-RPC trace line. */
  z.object({ kind: z.literal('output'), file: z.string().optional(), text: z.string() }),
]);
export type TestEvent = z.infer<typeof TestEvent>;

export const TestsDidReport = notification('tests/didReport', z.object({ token: z.string(), event: TestEvent }));
