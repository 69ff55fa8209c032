import { describe, expect, it } from 'vitest';
import { unstoredLines } from '../../daemon/logs/backfill.js';

const line = (n: number, t: number) => ({ t, text: `tick ${n}\n` });

describe('backfilling the lines a server wrote while no daemon listened', () => {
  it('skips a line the engine stamped after the daemon had stored it (a loaded machine)', () => {
    // tick 7 was stored at t=1000; the engine's log driver stamped it later, at 1004.
    const fetched = [line(5, 900), line(6, 950), line(7, 1004), line(8, 1200), line(9, 1400)];
    expect(unstoredLines(['tick 5', 'tick 6', 'tick 7'], fetched, 1000).map((l) => l.text)).toEqual(['tick 8\n', 'tick 9\n']);
  });

  it('matches the longest run of the stored tail, so a repeated line is not mistaken for the last one', () => {
    const fetched = [{ t: 1, text: 'ok\n' }, { t: 2, text: 'done\n' }, { t: 3, text: 'ok\n' }, { t: 4, text: 'ok\n' }];
    expect(unstoredLines(['done', 'ok'], fetched, 3).map((l) => l.t)).toEqual([4]);
  });

  it('falls back to timestamps when nothing stored is found in the engine copy (a redacted or truncated line)', () => {
    const fetched = [line(1, 10), line(2, 20), line(3, 30)];
    expect(unstoredLines(['[redacted secret]'], fetched, 20).map((l) => l.text)).toEqual(['tick 3\n']);
  });

  it('looks for the overlap only near the last stored line', () => {
    const fetched = [line(1, 100), line(2, 200), line(1, 60_000), line(3, 60_100)];
    expect(unstoredLines(['tick 1'], fetched, 100).map((l) => l.t)).toEqual([200, 60_000, 60_100]);
  });
});
