import type { ContainerRuntime } from '../hosts/runtime.js';
import { LABEL } from './labels.js';

/** Runs in progress in this daemon (test runs, install trials); their throwaway containers are theirs to remove. */
const activeRuns = new Set<string>();

export function beginRun(runId: string): () => void {
  activeRuns.add(runId);
  return () => activeRuns.delete(runId);
}

/**
 * Removes the throwaway containers of runs that are not in progress: left by a daemon that was
 * killed mid-run. Called when the daemon starts and before each run on each host it uses.
 */
export async function sweepThrowaways(rt: ContainerRuntime, instance: string): Promise<number> {
  const all = await rt.listManaged({ [LABEL.managed]: 'true', [LABEL.instance]: instance });
  const stale = all.filter((c) => {
    const run = c.labels[LABEL.testRun];
    return run !== undefined && !activeRuns.has(run);
  });
  for (const c of stale) await rt.remove(c.id);
  return stale.length;
}
