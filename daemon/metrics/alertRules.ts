import type { AlertRule, AlertRules } from '../protocol/alerts.js';
import type { Phase } from '../protocol/status.js';
import { BUCKET_COUNT, quantileMs } from './latency.js';
import type { Sample } from './history.js';

/**
 * Phases that count against the `unhealthy` rule. The supervisor restarts an unhealthy server at
 * once, so a server in trouble cycles through these; `stopped` (the user's wish) and `creating`
 * (an image build may take minutes) do not count.
 */
const NOT_HEALTHY: ReadonlySet<Phase> = new Set(['unhealthy', 'starting', 'exited', 'oom-killed', 'error']);

/** A rule whose condition holds now, and why, in one sentence. */
export interface Condition {
  rule: AlertRule;
  message: string;
}

/** What the rules read besides the samples. */
export interface RuleContext {
  /** The server's CPU limit in cores (`limits.cpus`): CPU percent is of that. */
  cpuLimitCores: number;
}

/**
 * Which of a server's rules hold at `now`, given its samples (oldest first, the last one taken at
 * `now` or just before). Pure: the clock is a parameter, so tests drive it.
 *
 * A "for M seconds" rule holds when the latest sample crosses the threshold and so did every sample
 * back to one taken at least M seconds earlier; a "within M seconds" rule counts what happened in
 * the samples of the last M seconds.
 */
export function evaluateRules(rules: AlertRules, samples: readonly Sample[], ctx: RuleContext, now: number): Condition[] {
  const out: Condition[] = [];
  const { cpu, memory, restarts, unhealthy, errorRate, latency } = rules;
  if (cpu) {
    const share = (s: Sample) => (s.cpuPercent / (ctx.cpuLimitCores * 100)) * 100;
    const held = sustained(samples, cpu.forSeconds, (s) => share(s) >= cpu.percent);
    if (held) out.push({ rule: 'cpu', message: `CPU at ${round(share(held))}% of its ${ctx.cpuLimitCores} CPU limit for ${cpu.forSeconds} s or more (alert at ${cpu.percent}%)` });
  }
  if (memory) {
    const share = (s: Sample) => (s.memoryLimitBytes > 0 ? (s.memoryBytes / s.memoryLimitBytes) * 100 : NaN);
    const held = sustained(samples, memory.forSeconds, (s) => share(s) >= memory.percent);
    if (held) out.push({ rule: 'memory', message: `memory at ${round(share(held))}% of its limit for ${memory.forSeconds} s or more (alert at ${memory.percent}%)` });
  }
  if (unhealthy) {
    const held = sustained(samples, unhealthy.forSeconds, (s) => s.phase !== undefined && NOT_HEALTHY.has(s.phase));
    if (held) out.push({ rule: 'unhealthy', message: `not healthy (${held.phase}) for ${unhealthy.forSeconds} s or more` });
  }
  // A stopped server restarts no more: its restart alert clears with the stop.
  if (restarts && samples.at(-1)?.phase !== 'stopped') {
    const recent = within(samples, restarts.withinSeconds, now);
    const latest = samples.at(-1);
    // The count before the window: the last sample older than it, or the window's own first one.
    const before = samples.filter((s) => s.t <= now - restarts.withinSeconds * 1000).at(-1) ?? recent[0];
    const n = latest && before ? latest.restarts - before.restarts : 0;
    if (n > restarts.count) out.push({ rule: 'restarts', message: `restarted ${n} times within ${restarts.withinSeconds} s (alert above ${restarts.count})` });
  }
  if (errorRate) {
    const recent = within(samples, errorRate.withinSeconds, now);
    const calls = sum(recent, (s) => s.calls);
    const errors = sum(recent, (s) => s.errors);
    if (calls >= errorRate.minCalls && (errors / calls) * 100 >= errorRate.percent) {
      out.push({ rule: 'errorRate', message: `${errors} of ${calls} tool calls failed within ${errorRate.withinSeconds} s (${round((errors / calls) * 100)}%; alert at ${errorRate.percent}%)` });
    }
  }
  if (latency) {
    const recent = within(samples, latency.withinSeconds, now);
    const counts = new Array<number>(BUCKET_COUNT).fill(0);
    for (const s of recent) for (let b = 0; b < BUCKET_COUNT; b++) counts[b] = (counts[b] ?? 0) + (s.latency[b] ?? 0);
    const calls = sum(recent, (s) => s.calls);
    const p95 = quantileMs(counts, 0.95);
    if (calls >= latency.minCalls && p95 !== undefined && p95 >= latency.p95Ms) {
      out.push({ rule: 'latency', message: `tool calls' p95 latency at ${Math.round(p95)} ms within ${latency.withinSeconds} s (alert at ${latency.p95Ms} ms)` });
    }
  }
  return out;
}

/** The latest sample, when it and every one before it back to `seconds` earlier satisfy `test`. */
function sustained(samples: readonly Sample[], seconds: number, test: (s: Sample) => boolean): Sample | undefined {
  const latest = samples.at(-1);
  if (!latest || !test(latest)) return undefined;
  for (let i = samples.length - 1; i >= 0; i--) {
    const s = samples[i];
    if (!s || !test(s)) return undefined;
    if (latest.t - s.t >= seconds * 1000) return latest;
  }
  return undefined;
}

function within(samples: readonly Sample[], seconds: number, now: number): Sample[] {
  return samples.filter((s) => s.t > now - seconds * 1000);
}

function sum(samples: readonly Sample[], of: (s: Sample) => number): number {
  return samples.reduce((n, s) => n + (Number.isNaN(of(s)) ? 0 : of(s)), 0);
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
