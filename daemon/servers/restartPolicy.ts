import type { ContainerRuntime } from '../hosts/runtime.js';
import type { ServerSpec } from '../protocol/spec.js';

const MAX_BACKOFF_MS = 30_000;
/** A server healthy for this long before it crashes has its crash backoff reset. */
const STABLE_AFTER_MS = 60_000;
/** Crashes in a row (no stable minute between) from which the server is said to be in a crash loop. */
const CRASH_LOOP_AFTER = 3;

/**
 * Crashed or unhealthy: run again after 1 s, 2 s, 4 s … up to 30 s. Only a minute of health before
 * a crash resets it: a server that never became healthy (it exits before `initialize`) keeps
 * backing off.
 */
export class CrashBackoff {
  private crashes = 0;
  /** When the current run became healthy; undefined while it has not (or since its last crash). */
  private healthySince: number | undefined;

  /** A start, restart or stop the user asks for counts from zero again. */
  reset(): void {
    this.crashes = 0;
    this.healthySince = undefined;
  }

  healthy(now = Date.now()): void {
    this.healthySince = now;
  }

  /** The wait before the next attempt, and that attempt's number. */
  next(now = Date.now()): { delayMs: number; attempt: number } {
    if (this.healthySince !== undefined && now - this.healthySince >= STABLE_AFTER_MS) this.crashes = 0;
    this.healthySince = undefined;
    const delayMs = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** this.crashes);
    this.crashes++;
    return { delayMs, attempt: this.crashes };
  }

  /** Crashes in a row, when there are enough of them to call it a crash loop. */
  get crashLoop(): number | undefined {
    return this.crashes >= CRASH_LOOP_AFTER ? this.crashes : undefined;
  }
}

/** Whether a container that exited is run again: `on-failure` lets a clean exit be, not an OOM kill. */
export function restartsAfterExit(policy: ServerSpec['restart'], code: number, oomKilled: boolean): boolean {
  return !(policy === 'never' || (policy === 'on-failure' && code === 0 && !oomKilled));
}

export async function engineAnswers(rt: ContainerRuntime): Promise<boolean> {
  return rt.ping().then(
    () => true,
    () => false,
  );
}
