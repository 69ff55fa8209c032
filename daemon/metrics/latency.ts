/**
 * Tool-call latency buckets (upper bounds, seconds), Prometheus's conventional ones stretched to
 * two minutes, the default call timeout. One more bucket, +Inf, follows them.
 */
export const LATENCY_BUCKETS_SECONDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120] as const;
/** Buckets with +Inf. */
export const BUCKET_COUNT = LATENCY_BUCKETS_SECONDS.length + 1;

/** The bucket a call of `ms` falls in (its counts are not cumulative). */
export function bucketOf(ms: number): number {
  const s = ms / 1000;
  const i = LATENCY_BUCKETS_SECONDS.findIndex((le) => s <= le);
  return i === -1 ? LATENCY_BUCKETS_SECONDS.length : i;
}

/**
 * The `q` quantile, in ms, of calls counted per bucket (not cumulative), interpolated within its
 * bucket as Prometheus's histogram_quantile does; undefined without calls. A quantile in the +Inf
 * bucket is reported as the last finite bound: all that is known is that it is at least that.
 */
export function quantileMs(counts: ArrayLike<number>, q: number): number | undefined {
  let total = 0;
  for (let i = 0; i < BUCKET_COUNT; i++) total += counts[i] ?? 0;
  if (total === 0) return undefined;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < BUCKET_COUNT; i++) {
    const n = counts[i] ?? 0;
    if (n > 0 && seen + n >= rank) {
      const upper = LATENCY_BUCKETS_SECONDS[i];
      if (upper === undefined) return (LATENCY_BUCKETS_SECONDS.at(-1) ?? 0) * 1000;
      const lower = i === 0 ? 0 : (LATENCY_BUCKETS_SECONDS[i - 1] ?? 0);
      return (lower + (upper - lower) * ((rank - seen) / n)) * 1000;
    }
    seen += n;
  }
  return undefined;
}
