// The log viewer's state, apart from the DOM: the lines held, which of them the filter shows,
// where the search matches, which rows a scroll position needs, and the time a "jump to" means.
// Pure (no DOM), so it is unit-tested and measured with 100,000 lines.
import type { LogLine, LogStream } from '../../daemon/protocol/status.js';

export const STREAMS: readonly LogStream[] = ['stdout', 'stderr', 'mcp', 'berth'];

/** The most lines held: beyond it the oldest go, in batches so that appends stay cheap. */
export const MAX_LINES = 200_000;
const TRIM_SLACK = 20_000;

export interface LogFilter {
  streams: ReadonlySet<LogStream>;
  /** Case-insensitive substring; empty shows every line of the chosen streams. */
  text: string;
}

export function shows(line: LogLine, f: LogFilter): boolean {
  return f.streams.has(line.stream) && (f.text === '' || line.text.toLowerCase().includes(f.text.toLowerCase()));
}

export class LogModel {
  private lines: LogLine[] = [];
  /** Indexes into `lines` of the lines the filter shows, in order. */
  private view: number[] = [];
  private filterState: LogFilter = { streams: new Set(STREAMS), text: '' };
  private query = '';
  /** Positions in `view` whose line matches the search. */
  private matchRows: number[] = [];
  private current = -1;

  get size(): number {
    return this.lines.length;
  }

  /** How many rows the filter shows. */
  get rows(): number {
    return this.view.length;
  }

  get filter(): LogFilter {
    return this.filterState;
  }

  get search(): string {
    return this.query;
  }

  /** The search's matches, and which one is current (-1: none). */
  get matches(): { count: number; current: number } {
    return { count: this.matchRows.length, current: this.current };
  }

  /** The row of the current match, to scroll to. */
  get currentRow(): number | undefined {
    return this.matchRows[this.current];
  }

  line(row: number): LogLine | undefined {
    const i = this.view[row];
    return i === undefined ? undefined : this.lines[i];
  }

  reset(lines: readonly LogLine[]): void {
    this.lines = lines.slice(-MAX_LINES);
    this.refilter();
  }

  /** Adds lines at the end; only the new ones are filtered and searched. */
  append(lines: readonly LogLine[]): void {
    if (this.lines.length + lines.length > MAX_LINES + TRIM_SLACK) {
      this.reset([...this.lines, ...lines]);
      return;
    }
    const q = this.query.toLowerCase();
    for (const l of lines) {
      const i = this.lines.push(l) - 1;
      if (!shows(l, this.filterState)) continue;
      const row = this.view.push(i) - 1;
      if (q && l.text.toLowerCase().includes(q)) this.matchRows.push(row);
    }
  }

  setFilter(f: LogFilter): void {
    this.filterState = f;
    this.refilter();
  }

  setSearch(query: string): void {
    this.query = query;
    this.research();
  }

  /** Moves to the next (or previous) match, wrapping; returns its row. */
  step(forward: boolean): number | undefined {
    const n = this.matchRows.length;
    if (n === 0) return undefined;
    this.current = this.current < 0 ? (forward ? 0 : n - 1) : (this.current + (forward ? 1 : n - 1)) % n;
    return this.currentRow;
  }

  /** The first row at or after `t` (the last row when every line is older); undefined when nothing shows. */
  rowAt(t: number): number | undefined {
    if (this.view.length === 0) return undefined;
    let lo = 0;
    let hi = this.view.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.line(mid)?.t ?? 0) < t) lo = mid + 1;
      else hi = mid;
    }
    return Math.min(lo, this.view.length - 1);
  }

  /** The shown lines as text, one per line, as the copy button puts them on the clipboard. */
  text(clock: (t: number) => string): string {
    return this.view.map((i) => this.lines[i]).map((l) => (l ? `${clock(l.t)} [${l.stream}] ${l.text}` : '')).join('\n');
  }

  private refilter(): void {
    this.view = [];
    for (let i = 0; i < this.lines.length; i++) if (shows(this.lines[i] as LogLine, this.filterState)) this.view.push(i);
    this.research();
  }

  private research(): void {
    this.matchRows = [];
    this.current = -1;
    const q = this.query.toLowerCase();
    if (!q) return;
    for (let row = 0; row < this.view.length; row++) if (this.line(row)?.text.toLowerCase().includes(q)) this.matchRows.push(row);
  }
}

/** Where `query` occurs in `text`, case-insensitively, as [start, end) pairs that do not overlap. */
export function highlights(text: string, query: string): [number, number][] {
  if (!query) return [];
  const hay = text.toLowerCase();
  const needle = query.toLowerCase();
  const out: [number, number][] = [];
  for (let at = hay.indexOf(needle); at >= 0; at = hay.indexOf(needle, at + needle.length)) out.push([at, at + needle.length]);
  return out;
}

/** The rows a scroll position shows, with `overscan` rows either side, as [start, end). */
export function visibleRows(scrollTop: number, viewportHeight: number, rowHeight: number, rows: number, overscan = 20): { start: number; end: number } {
  const first = Math.floor(scrollTop / rowHeight);
  const start = Math.max(0, first - overscan);
  const end = Math.min(rows, first + Math.ceil(viewportHeight / rowHeight) + overscan);
  return { start, end: Math.max(start, end) };
}

/**
 * A time of day typed by the user ("14:05", "14:05:30", "2:05:30 pm") on the day of `reference`
 * (local time), as ms since the epoch; undefined when it is not a time.
 */
export function parseClock(input: string, reference: number): number | undefined {
  const m = /^\s*(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?\s*(am|pm)?\s*$/i.exec(input);
  if (!m) return undefined;
  let hours = Number(m[1]);
  const minutes = Number(m[2]);
  const seconds = Number(m[3] ?? 0);
  const ms = Number((m[4] ?? '0').padEnd(3, '0'));
  const half = m[5]?.toLowerCase();
  if (half) {
    if (hours < 1 || hours > 12) return undefined;
    hours = (hours % 12) + (half === 'pm' ? 12 : 0);
  }
  if (hours > 23 || minutes > 59 || seconds > 59) return undefined;
  const d = new Date(reference);
  d.setHours(hours, minutes, seconds, ms);
  return d.getTime();
}
