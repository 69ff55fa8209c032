import { describe, expect, it } from 'vitest';
import { SingleFlight } from '../../daemon/hosts/singleFlight.js';

describe('SingleFlight', () => {
  it('runs the work once for callers that ask while it runs, and each sees every progress line', async () => {
    const flight = new SingleFlight<string>();
    let runs = 0;
    let finish!: (v: string) => void;
    const seen: string[][] = [[], [], []];
    const work = (progress: (line: string) => void) => {
      runs++;
      progress('first');
      return new Promise<string>((resolve) => (finish = resolve));
    };
    const a = flight.run('k', work, (l) => seen[0]!.push(l));
    const b = flight.run('k', work, (l) => seen[1]!.push(l));
    const other = flight.run('other', async () => 'other');
    finish('done');
    const c = flight.run('k', work, (l) => seen[2]!.push(l));
    expect(await Promise.all([a, b, c, other])).toEqual(['done', 'done', 'done', 'other']);
    expect(runs).toBe(1);
    expect(seen).toEqual([['first'], ['first'], ['first']]);
  });

  it('runs again once the last run has ended, also after a failure', async () => {
    const flight = new SingleFlight<number>();
    let runs = 0;
    await expect(flight.run('k', async () => Promise.reject(new Error(`run ${++runs} failed`)))).rejects.toThrow('run 1 failed');
    expect(await flight.run('k', async () => ++runs)).toBe(2);
  });
});
