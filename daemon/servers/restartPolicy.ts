import type { ContainerRuntime } from '../hosts/runtime.js';
import type { ServerSpec } from '../protocol/spec.js';

const MAX_BACKOFF_MS = 30_000;
/** A server healthy for this long has its crash backoff reset. */
const STABLE_AFTER_MS = 60_000;

/** Crashed or unhealthy: run again after 1 s, 2 s, 4 s … up to 30 s; a stable minute resets it. */
export class CrashBackoff {
  private crashes = 0;
  private healthySince = 0;

  /** A start or restart the user asks for counts from zero again. */
  reset(): void {
    this.crashes = 0;
  }

  healthy(): void {
    this.healthySince = Date.now();
  }

  /** The wait before the next attempt, and that attempt's number. */
  next(): { delayMs: number; attempt: number } {
    if (Date.now() - this.healthySince > STABLE_AFTER_MS) this.crashes = 0;
    const delayMs = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** this.crashes);
    this.crashes++;
    return { delayMs, attempt: this.crashes };
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
