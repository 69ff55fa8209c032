// Joining a log's history with the lines pushed while it was being fetched: a follow starts
// before the query (so nothing falls between them), so the two may overlap. Pure, unit-tested.
import type { LogLine } from '../../daemon/protocol/status.js';

/** The pushed lines the history does not already end with, in order. */
export function afterHistory(history: readonly LogLine[], pushed: readonly LogLine[]): LogLine[] {
  const lastT = history.at(-1)?.t ?? -Infinity;
  const atLast = new Set(history.filter((l) => l.t === lastT).map(key));
  return pushed.filter((l) => l.t > lastT || (l.t === lastT && !atLast.has(key(l))));
}

const key = (l: LogLine) => `${l.stream}\u0000${l.text}`;
