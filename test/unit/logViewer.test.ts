import { describe, expect, it } from 'vitest';
import type { LogLine, LogStream } from '../../daemon/protocol/status.js';
import { afterHistory } from '../../extension/webview/logFeed.js';
import { FromLogViewer } from '../../extension/webview/logViewerMessages.js';
import { highlights, LogModel, MAX_LINES, parseClock, STREAMS, visibleRows } from '../../webview/logViewer/logModel.js';

const T0 = new Date(2026, 10, 30, 9, 0, 0).getTime();
const line = (k: number, stream: LogStream = 'stderr', text = `line ${k}`): LogLine => ({ t: T0 + k * 1000, stream, text });
const all = new Set(STREAMS);
const shown = (m: LogModel) => Array.from({ length: m.rows }, (_, r) => m.line(r)?.text);

describe('the log viewer model', () => {
  it('filters by stream and by text, case-insensitively, and keeps filtering what is appended', () => {
    const m = new LogModel();
    m.reset([line(0, 'stderr', 'Starting up'), line(1, 'stdout', '{"jsonrpc":"2.0"}'), line(2, 'berth', 'started container'), line(3, 'stderr', 'ERROR disk full')]);
    m.setFilter({ streams: new Set<LogStream>(['stderr']), text: '' });
    expect(shown(m)).toEqual(['Starting up', 'ERROR disk full']);
    m.setFilter({ streams: all, text: 'start' });
    expect(shown(m)).toEqual(['Starting up', 'started container']);
    m.append([line(4, 'stderr', 'restarting'), line(5, 'stderr', 'nothing here')]);
    expect(shown(m)).toEqual(['Starting up', 'started container', 'restarting']);
    expect(m.size).toBe(6);
  });

  it('searches within what the filter shows, steps through matches both ways, and wraps', () => {
    const m = new LogModel();
    m.reset([line(0, 'stderr', 'warn a'), line(1, 'stdout', 'warn b'), line(2, 'stderr', 'ok'), line(3, 'stderr', 'WARN c')]);
    m.setFilter({ streams: new Set<LogStream>(['stderr']), text: '' });
    m.setSearch('warn');
    expect(m.matches).toEqual({ count: 2, current: -1 });
    expect(m.step(true)).toBe(0);
    expect(m.step(true)).toBe(2);
    expect(m.step(true)).toBe(0);
    expect(m.step(false)).toBe(2);
    m.append([line(4, 'stderr', 'warn d')]);
    expect(m.matches.count).toBe(3);
    m.setSearch('absent');
    expect(m.step(true)).toBeUndefined();
  });

  it('jumps to the first line at or after a time, or the last line when all are older', () => {
    const m = new LogModel();
    m.reset([line(0), line(10), line(20), line(30)]);
    expect(m.rowAt(T0 + 15_000)).toBe(2);
    expect(m.rowAt(T0 + 10_000)).toBe(1);
    expect(m.rowAt(T0 - 1)).toBe(0);
    expect(m.rowAt(T0 + 99_000)).toBe(3);
    m.setFilter({ streams: new Set<LogStream>(['mcp']), text: '' });
    expect(m.rowAt(T0)).toBeUndefined();
  });

  it('copies the shown lines with their time and stream', () => {
    const m = new LogModel();
    m.reset([line(0, 'stderr', 'a'), line(1, 'stdout', 'b'), line(2, 'stderr', 'c')]);
    m.setFilter({ streams: new Set<LogStream>(['stderr']), text: '' });
    expect(m.text((t) => String((t - T0) / 1000))).toBe('0 [stderr] a\n2 [stderr] c');
  });

  it('holds at most MAX_LINES, dropping the oldest', () => {
    const m = new LogModel();
    m.reset(Array.from({ length: MAX_LINES }, (_, k) => line(k)));
    m.append(Array.from({ length: 30_000 }, (_, k) => line(MAX_LINES + k)));
    expect(m.size).toBe(MAX_LINES);
    expect(m.line(0)?.text).toBe(`line 30000`);
    expect(m.line(m.rows - 1)?.text).toBe(`line ${MAX_LINES + 29_999}`);
  });
});

describe('log viewer helpers', () => {
  it('finds every case-insensitive occurrence of the search, without overlaps', () => {
    expect(highlights('Error: error ERROR', 'error')).toEqual([
      [0, 5],
      [7, 12],
      [13, 18],
    ]);
    expect(highlights('aaaa', 'aa')).toEqual([
      [0, 2],
      [2, 4],
    ]);
    expect(highlights('text', '')).toEqual([]);
  });

  it('renders only the rows in view, with some either side', () => {
    expect(visibleRows(0, 180, 18, 100_000, 5)).toEqual({ start: 0, end: 15 });
    expect(visibleRows(18 * 50_000, 180, 18, 100_000, 5)).toEqual({ start: 49_995, end: 50_015 });
    expect(visibleRows(18 * 99_995, 180, 18, 100_000, 5)).toEqual({ start: 99_990, end: 100_000 });
    expect(visibleRows(0, 180, 18, 0, 5)).toEqual({ start: 0, end: 0 });
  });

  it('reads a typed time of day on the day of the log', () => {
    const at = (h: number, m: number, s = 0, ms = 0) => new Date(2026, 10, 30, h, m, s, ms).getTime();
    expect(parseClock('14:05', T0)).toBe(at(14, 5));
    expect(parseClock(' 9:07:30 ', T0)).toBe(at(9, 7, 30));
    expect(parseClock('09:07:30.25', T0)).toBe(at(9, 7, 30, 250));
    expect(parseClock('2:05 pm', T0)).toBe(at(14, 5));
    expect(parseClock('12:00 am', T0)).toBe(at(0, 0));
    for (const bad of ['', 'noon', '25:00', '10:60', '13:00 pm', '10']) expect(parseClock(bad, T0), bad).toBeUndefined();
  });

  it('joins a history with the lines pushed while it was fetched, each once', () => {
    const history = [line(0), line(1, 'stderr', 'x'), line(1, 'stdout', 'y')];
    const pushed = [line(1, 'stderr', 'x'), line(1, 'stderr', 'z'), line(2)];
    expect(afterHistory(history, pushed)).toEqual([line(1, 'stderr', 'z'), line(2)]);
    expect(afterHistory([], pushed)).toEqual(pushed);
  });

  it('takes only ready and a bounded copy from the page', () => {
    expect(FromLogViewer.parse({ type: 'copy', text: 'a\nb' })).toEqual({ type: 'copy', text: 'a\nb' });
    for (const m of [{ type: 'copy' }, { type: 'copy', text: 1 }, { type: 'run', action: 'x' }, { type: 'ready', x: 1 }]) expect(FromLogViewer.safeParse(m).success).toBe(false);
  });
});

describe('100,000 lines', () => {
  it('load, filter, search and place a screenful quickly enough to stay responsive (figures printed, not gated)', () => {
    const lines = Array.from({ length: 100_000 }, (_, k) => line(k, STREAMS[k % 4], `request ${k} took ${k % 977} ms ${k % 10 === 0 ? 'ERROR upstream' : 'ok'}`));
    const m = new LogModel();
    const time = (run: () => void) => {
      const start = performance.now();
      run();
      return performance.now() - start;
    };
    const load = time(() => m.reset(lines));
    const filter = time(() => m.setFilter({ streams: new Set<LogStream>(['stderr', 'stdout']), text: 'error' }));
    const search = time(() => m.setSearch('upstream'));
    // A frame's work at the middle of the list: the rows in view, with their highlights.
    const frame = time(() => {
      const { start, end } = visibleRows(18 * (m.rows / 2), 900, 18, m.rows);
      for (let r = start; r < end; r++) highlights(m.line(r)?.text ?? '', m.search);
    });
    const append = time(() => m.append([line(100_001, 'stderr', 'ERROR upstream late')]));
    console.log(`log viewer, 100,000 lines: load ${load.toFixed(1)} ms, filter ${filter.toFixed(1)} ms, search ${search.toFixed(1)} ms, one frame ${frame.toFixed(2)} ms, append ${append.toFixed(3)} ms`);
    expect(m.rows).toBe(5001);
    expect(m.matches.count).toBe(5001);
  });
});
