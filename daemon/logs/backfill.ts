/** How far before the last stored line the engine's copy is read, and how far after it lines may overlap. */
export const BACKFILL_OVERLAP_MS = 5_000;
/** How many of the last stored lines are matched against the engine's copy. */
const TAIL_LINES = 20;

export interface EngineLine {
  t: number;
  text: string;
}

/**
 * The lines of the engine's copy of a server's stderr that Berth has not stored yet. Timestamps
 * alone cannot tell: the engine stamps a line when its log driver reads it, which on a loaded
 * machine can be after the moment the attach stream handed the same line to the daemon. So the
 * copy is read from a little before the last stored line, and the run that matches the tail of
 * what was stored marks where the new lines begin; only when no such run is found do timestamps decide.
 */
export function unstoredLines(storedTail: readonly string[], fetched: readonly EngineLine[], lastStored: number): EngineLine[] {
  const texts = fetched.map((l) => l.text.replace(/\r?\n$/, ''));
  const tail = storedTail.slice(-TAIL_LINES);
  // Only lines near the last stored one can overlap it.
  const reach = fetched.findIndex((l) => l.t > lastStored + BACKFILL_OVERLAP_MS);
  const end = reach === -1 ? fetched.length : reach;
  for (let k = tail.length; k >= 1; k--) {
    const run = tail.slice(-k);
    for (let p = end - 1; p >= k - 1; p--) {
      if (run.every((text, i) => texts[p - k + 1 + i] === text)) return fetched.slice(p + 1);
    }
  }
  return fetched.filter((l) => l.t > lastStored);
}
