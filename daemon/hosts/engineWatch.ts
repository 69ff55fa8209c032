import { pingWithin } from './pingWithin.js';
import type { ContainerRuntime } from './runtime.js';

/** How often the engine is asked whether it answers: often while down, so recovery is prompt. */
const UP_INTERVAL_MS = 5_000;
const DOWN_INTERVAL_MS = 1_000;
/** An engine that takes longer than this to answer a version request counts as down. */
const PING_TIMEOUT_MS = 5_000;

export interface EngineEvents {
  /** It answers again after being down (an upgrade, a crash, a restart). */
  up(): void;
  down(reason: string): void;
}

/**
 * Follows whether an engine answers. Containers do not survive an engine restart, and the waits
 * that notice their exit may break before the engine is back, so supervisors alone cannot tell
 * when to try again: this says when.
 */
export function watchEngine(rt: ContainerRuntime, on: EngineEvents): { close(): void } {
  let state: 'unknown' | 'up' | 'down' = 'unknown';
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const check = async () => {
    const reason = await pingWithin(rt, PING_TIMEOUT_MS).then(
      () => undefined,
      (e: Error) => e.message,
    );
    if (closed) return;
    const was = state;
    state = reason === undefined ? 'up' : 'down';
    try {
      if (state === 'up' && was === 'down') on.up();
      if (reason !== undefined && was !== 'down') on.down(reason);
    } finally {
      // A listener that throws must not end the watch.
      timer = setTimeout(() => void check(), state === 'down' ? DOWN_INTERVAL_MS : UP_INTERVAL_MS);
      timer.unref();
    }
  };
  void check();
  return {
    close: () => {
      closed = true;
      clearTimeout(timer);
    },
  };
}
