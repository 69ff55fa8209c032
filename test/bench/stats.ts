/** Timing and reporting helpers shared by the bench's parts. */

export const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
export const median = (xs: number[]): number => percentile(xs, 50);
export const fmt = (ms: number): string => `${ms.toFixed(ms < 10 ? 3 : 1)} ms`;
const signed = (ms: number): string => `${ms >= 0 ? '+' : '−'}${Math.abs(ms).toFixed(3)} ms`;

export async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/**
 * Per-call times of `base` and `berth`, in alternating rounds (who goes first alternates too), so
 * a slow moment of this shared machine lands on both sides alike. Both are warmed up first.
 */
export async function interleaved(
  rounds: number,
  perRound: number,
  base: () => Promise<unknown>,
  berth: () => Promise<unknown>,
): Promise<{ base: number[]; berth: number[] }> {
  const out = { base: [] as number[], berth: [] as number[] };
  for (let i = 0; i < 30; i++) {
    await base();
    await berth();
  }
  for (let r = 0; r < rounds; r++) {
    const order: ('base' | 'berth')[] = r % 2 ? ['berth', 'base'] : ['base', 'berth'];
    for (const side of order) {
      const fn = side === 'base' ? base : berth;
      for (let i = 0; i < perRound; i++) out[side].push(await timeIt(fn));
    }
  }
  return out;
}

/** One figure: Berth beside its baseline, with the difference, the ratio and the goal when there is one. */
export function row(what: string, berth: number, base: number, goal?: { maxDiffMs?: number; maxMs?: number }): string {
  const diff = berth - base;
  let verdict = '';
  if (goal?.maxDiffMs !== undefined) verdict = `   goal ≤ +${goal.maxDiffMs} ms: ${diff <= goal.maxDiffMs ? 'met' : 'MISSED'}`;
  if (goal?.maxMs !== undefined) verdict = `   goal ≤ ${goal.maxMs} ms: ${berth <= goal.maxMs ? 'met' : 'MISSED'}`;
  return `  ${what.padEnd(4)} berth ${fmt(berth).padStart(10)}   base ${fmt(base).padStart(10)}   ${signed(diff).padStart(11)}   ratio ${(berth / base).toFixed(2)}${verdict}`;
}
