import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { writePrivateFile } from '../atomicFile.js';
import type { Bench } from '../protocol/mcptest.js';
import type { BenchStats } from '../protocol/testRuns.js';

/** The value below which `q` of the sorted samples fall (nearest rank). */
export function percentile(sorted: readonly number[], q: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
}

/**
 * Runs `call` `warmup` times unmeasured, then `iterations` times with `concurrency` in flight.
 * A call that throws or answers isError counts as an error; its time still counts.
 */
export async function runBench(bench: Bench, call: () => Promise<boolean>, signal: AbortSignal): Promise<Omit<BenchStats, 'previous'>> {
  for (let i = 0; i < bench.warmup && !signal.aborted; i++) await call().catch(() => false);
  const times: number[] = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < bench.iterations && !signal.aborted) {
      next++;
      const t = performance.now();
      const ok = await call().catch(() => false);
      times.push(performance.now() - t);
      if (!ok) errors++;
    }
  };
  await Promise.all(Array.from({ length: bench.concurrency }, worker));
  const elapsed = (performance.now() - started) / 1000;
  const sorted = times.sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 1000) / 1000;
  return {
    iterations: times.length,
    concurrency: bench.concurrency,
    errors,
    p50: round(percentile(sorted, 0.5)),
    p95: round(percentile(sorted, 0.95)),
    p99: round(percentile(sorted, 0.99)),
    callsPerSecond: elapsed > 0 ? Math.round((times.length / elapsed) * 10) / 10 : 0,
  };
}

const HistoryEntry = z.object({ at: z.number(), p50: z.number(), p95: z.number(), p99: z.number(), callsPerSecond: z.number() });
const History = z.array(HistoryEntry);
const KEEP = 50;

/**
 * Each bench step's runs, kept in the daemon's state folder (not the workspace); a run reads the
 * one before it, so what a report says is a ratio, which means something on any machine.
 */
export async function recordBench(stateDir: string, key: string[], stats: Omit<BenchStats, 'previous'>): Promise<BenchStats> {
  const file = path.join(stateDir, 'bench', `${createHash('sha256').update(key.join('\0')).digest('hex').slice(0, 24)}.json`);
  const text = await readFile(file, 'utf8').catch(() => '[]');
  const parsed = History.safeParse((() => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return [];
    }
  })());
  const history = parsed.success ? parsed.data : [];
  const last = history.at(-1);
  const at = Date.now();
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  writePrivateFile(file, JSON.stringify([...history, { at, p50: stats.p50, p95: stats.p95, p99: stats.p99, callsPerSecond: stats.callsPerSecond }].slice(-KEEP)));
  if (!last) return stats;
  const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 100) / 100 : 0);
  return { ...stats, previous: { p50Ratio: ratio(stats.p50, last.p50), callsPerSecondRatio: ratio(stats.callsPerSecond, last.callsPerSecond), at: last.at } };
}
