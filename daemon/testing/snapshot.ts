import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isWithin, resolveExisting } from '../policy/mounts.js';
import type { McpTestFile, SnapshotPolicy } from '../protocol/mcptest.js';
import type { StepResult, TestFailure } from '../protocol/testRuns.js';
import { diffDefinitions, type Definitions } from './snapshotDiff.js';

type SnapshotSpec = NonNullable<McpTestFile['snapshot']>;

/**
 * Where a file's snapshot lives: its `snapshot.file`, relative to the scenario file, and inside
 * that file's folder once every symlink is resolved. A scenario comes with a repository; its
 * snapshot must not be a way to write (or, with --update-snapshots, overwrite) any JSON file of
 * the user's, like ~/.docker/config.json.
 */
export function snapshotPath(testFile: string, spec: SnapshotSpec): string {
  const folder = resolveExisting(path.dirname(path.resolve(testFile)));
  const target = resolveExisting(path.resolve(path.dirname(testFile), spec.file));
  if (!isWithin(target, folder) || target === folder) {
    throw new Error(`snapshot.file ${JSON.stringify(spec.file)} of ${path.basename(testFile)} leads to ${target}, outside the scenario's folder ${folder}; keep the snapshot beside the scenario (like __snapshots__/NAME.json)`);
  }
  return target;
}

export async function writeSnapshot(file: string, defs: Definitions): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(defs, null, 2)}\n`);
}

/**
 * Compares the server's definitions with the snapshot: none yet is written and passes (`missing:
 * 'write'`); in an update's gate none yet means the running version's definitions are the
 * baseline, and with no running version the step fails ("no baseline"), so the candidate never
 * passes against itself. Each difference is breaking or additive, and the file's policy for that
 * kind fails, warns or lets it be. `update` rewrites a snapshot that differs, and passes.
 */
export async function checkSnapshot(
  file: string,
  spec: SnapshotSpec,
  defs: Definitions,
  update: boolean,
  missing: 'write' | { baseline: Definitions | undefined; server: string } = 'write',
): Promise<Omit<StepResult, 'durationMs'>> {
  const label = `snapshot ${path.basename(file)}`;
  const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  if (text === undefined && missing === 'write') {
    await writeSnapshot(file, defs);
    return { label, status: 'passed', failures: [], warnings: [`wrote a new snapshot to ${file}`] };
  }
  if (text === undefined && typeof missing === 'object' && !missing.baseline) {
    return { label, status: 'failed', failures: [{ message: `no baseline: the snapshot ${file} does not exist and ${missing.server} is not running to take its definitions from; run \`berth test\` on the current version first` }], warnings: [] };
  }
  let before: Definitions;
  try {
    before = text === undefined && typeof missing === 'object' && missing.baseline ? missing.baseline : (JSON.parse(text ?? '') as Definitions);
  } catch {
    return { label, status: 'failed', failures: [{ message: `the snapshot ${file} is not JSON; delete it or run with --update-snapshots` }], warnings: [] };
  }
  const diff = diffDefinitions(before, defs);
  if (!diff.breaking.length && !diff.additive.length) return { label, status: 'passed', failures: [], warnings: [] };
  if (update) {
    await writeSnapshot(file, defs);
    return { label, status: 'passed', failures: [], warnings: [`updated ${file}: ${[...diff.breaking, ...diff.additive].join('; ')}`] };
  }
  const failures: TestFailure[] = [];
  const warnings: string[] = [];
  const apply = (kind: 'breaking' | 'additive', changes: string[], policy: SnapshotPolicy) => {
    if (!changes.length || policy === 'ignore') return;
    const sentence = `${changes.length} ${kind} change${changes.length === 1 ? '' : 's'} since the snapshot: ${changes.join('; ')}`;
    if (policy === 'warn') warnings.push(sentence);
    else failures.push({ message: `${sentence}; accept them with --update-snapshots`, expected: JSON.stringify(before, null, 2), actual: JSON.stringify(defs, null, 2) });
  };
  apply('breaking', diff.breaking, spec.breaking);
  apply('additive', diff.additive, spec.additive);
  return { label, status: failures.length ? 'failed' : 'passed', failures, warnings };
}
