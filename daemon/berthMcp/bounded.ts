/** The most text one tool result carries; agents pay for every byte they read. */
export const MAX_TEXT_BYTES = 64 * 1024;
/** The most lines (of logs, of command output) one result carries. */
export const MAX_LINES = 1000;

export interface Bounded<T> {
  value: T;
  /** Whether something was left out, so the caller can say so and ask for less. */
  truncated: boolean;
}

/** The last `max` lines (the newest, for logs and output), then no more than MAX_TEXT_BYTES of them. */
export function lastLines(lines: string[], max = MAX_LINES): Bounded<string[]> {
  const kept = lines.slice(-max);
  let bytes = 0;
  let from = kept.length;
  for (; from > 0; from--) {
    const size = Buffer.byteLength(kept[from - 1] ?? '') + 1;
    if (bytes + size > MAX_TEXT_BYTES) break;
    bytes += size;
  }
  return { value: kept.slice(from), truncated: from > 0 || kept.length < lines.length };
}

/** At most `maxBytes` of `text` (cut on a character boundary). */
export function boundText(text: string, maxBytes = MAX_TEXT_BYTES): Bounded<string> {
  const buf = Buffer.from(text);
  if (buf.length <= maxBytes) return { value: text, truncated: false };
  // Decoding a cut buffer leaves U+FFFD for a split character; drop it.
  return { value: buf.subarray(0, maxBytes).toString('utf8').replace(/\uFFFD$/, ''), truncated: true };
}

/** At most `max` items of a list. */
export function firstItems<T>(items: T[], max: number): Bounded<T[]> {
  return { value: items.slice(0, max), truncated: items.length > max };
}

/** The sentence a result adds when it was cut. */
export function cutNote(what: string, how: string): string {
  return `(${what} cut to fit; ${how})`;
}
