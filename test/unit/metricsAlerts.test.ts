import { describe, expect, it } from 'vitest';
import { AlertBook, RECENT_ALERTS } from '../../daemon/metrics/alertBook.js';
import { evaluateRules } from '../../daemon/metrics/alertRules.js';
import { BUCKET_COUNT, bucketOf, quantileMs } from '../../daemon/metrics/latency.js';
import type { Sample } from '../../daemon/metrics/history.js';
import { Metrics, type MeasuredServer } from '../../daemon/metrics/metrics.js';
import { resolveAlerts, type AlertRules } from '../../daemon/protocol/alerts.js';
import { SpecFile, type ServerSpec } from '../../daemon/protocol/spec.js';
import type { ServerStatus } from '../../daemon/protocol/status.js';
import { resolveSpec, specHash } from '../../daemon/servers/specFiles.js';

const OFF: AlertRules = { cpu: false, memory: false, restarts: false, unhealthy: false, errorRate: false, latency: false };

function sample(t: number, over: Partial<Sample> = {}): Sample {
  return { t, phase: 'healthy', cpuPercent: 0, memoryBytes: 100, memoryLimitBytes: 1000, rxBytesPerSecond: 0, txBytesPerSecond: 0, restarts: 0, healthChecks: 0, healthFailures: 0, calls: 0, errors: 0, latency: new Array<number>(BUCKET_COUNT).fill(0), ...over };
}

/** Samples every 5 s from t=0 to `until` (inclusive), shaped by `at(t)`. */
function series(until: number, at: (t: number) => Partial<Sample>): Sample[] {
  const out: Sample[] = [];
  for (let t = 0; t <= until; t += 5000) out.push(sample(t, at(t)));
  return out;
}

const ctx = { cpuLimitCores: 0.5 };

describe('alert rules', () => {
  it('spec defaults, a tuned rule keeping the other defaults, and a rule turned off', () => {
    const rules = resolveAlerts({ memory: { percent: 80 }, cpu: false });
    expect(rules.memory).toEqual({ percent: 80, forSeconds: 60 });
    expect(rules.cpu).toBe(false);
    expect(rules.restarts).toEqual({ count: 3, withinSeconds: 600 });
    const parsed = SpecFile.safeParse({ servers: { a: { image: 'x', alerts: { memory: { percent: 180 } } } } });
    expect(parsed.success).toBe(false);
    const r = resolveSpec('a', { image: 'x', host: 'local', transport: 'stdio', alerts: { restarts: { count: 1, withinSeconds: 30 } } }, 'f');
    expect('spec' in r && r.spec.alerts.restarts).toEqual({ count: 1, withinSeconds: 30 });
    // Alerts do not shape the container: editing them never recreates it.
    const plain = resolveSpec('a', { image: 'x', host: 'local', transport: 'stdio' }, 'f');
    expect('spec' in r && 'spec' in plain && specHash(r.spec) === specHash(plain.spec)).toBe(true);
  });

  it('memory over its share of the limit fires only once it has lasted forSeconds, and clears as soon as it drops', () => {
    const rules = { ...OFF, memory: { percent: 90, forSeconds: 10 } };
    const high = (from: number) => (t: number) => ({ memoryBytes: t >= from ? 950 : 100 });
    expect(evaluateRules(rules, series(25, high(20_000)).map((s, i) => ({ ...s, t: i * 5000 })), ctx, 25_000)).toEqual([]);
    expect(evaluateRules(rules, series(25_000, high(20_000)), ctx, 25_000)).toEqual([]);
    const fired = evaluateRules(rules, series(30_000, high(20_000)), ctx, 30_000);
    expect(fired).toEqual([{ rule: 'memory', message: 'memory at 95% of its limit for 10 s or more (alert at 90%)' }]);
    const dropped = [...series(30_000, high(20_000)), sample(35_000, { memoryBytes: 100 })];
    expect(evaluateRules(rules, dropped, ctx, 35_000)).toEqual([]);
  });

  it('a gap in the stats (a stopped container) breaks a sustained condition', () => {
    const rules = { ...OFF, memory: { percent: 90, forSeconds: 10 } };
    const s = series(30_000, (t) => (t === 20_000 ? { memoryBytes: NaN, memoryLimitBytes: NaN } : { memoryBytes: 990 }));
    expect(evaluateRules(rules, s, ctx, 30_000)).toEqual([]);
  });

  it('CPU is measured against the CPU limit', () => {
    const rules = { ...OFF, cpu: { percent: 80, forSeconds: 5 } };
    // 45% of one core is 90% of a 0.5 CPU limit.
    expect(evaluateRules(rules, series(10_000, () => ({ cpuPercent: 45 })), ctx, 10_000).map((c) => c.rule)).toEqual(['cpu']);
    expect(evaluateRules(rules, series(10_000, () => ({ cpuPercent: 45 })), { cpuLimitCores: 2 }, 10_000)).toEqual([]);
  });

  it('restarts: more than count within the window', () => {
    const rules = { ...OFF, restarts: { count: 1, withinSeconds: 30 } };
    const s = series(60_000, (t) => ({ restarts: t < 30_000 ? 0 : t < 40_000 ? 1 : t < 50_000 ? 2 : 3 }));
    expect(evaluateRules(rules, s.slice(0, 8), ctx, 35_000)).toEqual([]);
    expect(evaluateRules(rules, s, ctx, 60_000)).toEqual([{ rule: 'restarts', message: 'restarted 2 times within 30 s (alert above 1)' }]);
    // Ninety seconds on, with no restart since, the window holds none.
    const later = [...s, ...series(90_000, () => ({ restarts: 3 })).map((x) => ({ ...x, t: x.t + 65_000 }))];
    expect(evaluateRules(rules, later, ctx, 155_000)).toEqual([]);
  });

  it('restarts: a crash-looping server the user stopped clears at once', () => {
    const rules = { ...OFF, restarts: { count: 1, withinSeconds: 30 } };
    const s = series(60_000, (t) => ({ restarts: t < 30_000 ? 0 : t < 40_000 ? 1 : t < 50_000 ? 2 : 3 }));
    const stopped = [...s.slice(0, -1), { ...s.at(-1)!, phase: 'stopped' as const }];
    expect(evaluateRules(rules, stopped, ctx, 60_000)).toEqual([]);
  });

  it('not healthy for forSeconds, through the phases of a server in trouble; stopped or being built does not count', () => {
    const rules = { ...OFF, unhealthy: { forSeconds: 10 } };
    const cycling = (t: number): Partial<Sample> => ({ phase: t === 0 ? 'unhealthy' : t === 5000 ? 'starting' : 'exited' });
    expect(evaluateRules(rules, series(10_000, cycling), ctx, 10_000)).toEqual([{ rule: 'unhealthy', message: 'not healthy (exited) for 10 s or more' }]);
    expect(evaluateRules(rules, series(10_000, (t) => ({ phase: t === 5000 ? 'healthy' : 'unhealthy' })), ctx, 10_000)).toEqual([]);
    expect(evaluateRules(rules, series(10_000, () => ({ phase: 'stopped' })), ctx, 10_000)).toEqual([]);
    expect(evaluateRules(rules, series(10_000, () => ({ phase: 'creating' })), ctx, 10_000)).toEqual([]);
  });

  it('error rate and p95 latency once enough calls were made', () => {
    const rules = { ...OFF, errorRate: { percent: 50, minCalls: 10, withinSeconds: 60 }, latency: { p95Ms: 1000, minCalls: 10, withinSeconds: 60 } };
    const slow = new Array<number>(BUCKET_COUNT).fill(0);
    slow[bucketOf(4000)] = 6;
    expect(evaluateRules(rules, [sample(0, { calls: 6, errors: 6, latency: slow })], ctx, 0)).toEqual([]);
    const conds = evaluateRules(rules, [sample(0, { calls: 6, errors: 6, latency: slow }), sample(5000, { calls: 6, errors: 0, latency: slow })], ctx, 5000);
    expect(conds.map((c) => c.rule)).toEqual(['errorRate', 'latency']);
    expect(conds[0]?.message).toBe('6 of 12 tool calls failed within 60 s (50%; alert at 50%)');
    // Past the window, the old calls no longer count.
    expect(evaluateRules(rules, [sample(0, { calls: 6, errors: 6, latency: slow }), sample(5000, { calls: 6, latency: slow })], ctx, 63_000)).toEqual([]);
  });

  it('quantiles interpolate within a bucket', () => {
    const counts = new Array<number>(BUCKET_COUNT).fill(0);
    counts[bucketOf(0.5)] = 100;
    expect(quantileMs(counts, 0.95)).toBeCloseTo(0.95);
    expect(quantileMs(new Array<number>(BUCKET_COUNT).fill(0), 0.95)).toBeUndefined();
  });
});

describe('the alert book', () => {
  it('fires once while a condition holds, clears when it ends, keeps a bounded history', () => {
    const book = new AlertBook();
    const cond = [{ rule: 'memory' as const, message: 'memory high' }];
    expect(book.update('ev', cond, 1).map((e) => e.kind)).toEqual(['fired']);
    expect(book.update('ev', cond, 2)).toEqual([]);
    expect(book.state().open).toHaveLength(1);
    expect(book.openCount('ev')).toBe(1);
    const cleared = book.update('ev', [], 3);
    expect(cleared).toEqual([{ kind: 'cleared', alert: { id: 'ev/memory/1', server: 'ev', rule: 'memory', message: 'memory high', firedAt: 1, clearedAt: 3 } }]);
    expect(book.state()).toEqual({ open: [], recent: [cleared[0]?.alert] });
    for (let i = 0; i < RECENT_ALERTS + 10; i++) {
      book.update('ev', cond, 10 + 2 * i);
      book.update('ev', [], 11 + 2 * i);
    }
    expect(book.state().recent).toHaveLength(RECENT_ALERTS);
    book.update('gone', cond, 1000);
    expect(book.forget('gone', 1001).map((e) => e.kind)).toEqual(['cleared']);
    expect(book.state('gone').open).toEqual([]);
  });
});

describe('the metrics sampler', () => {
  it('samples servers on a fake clock, counts calls per interval, raises and clears an alert, and notifies once each', () => {
    const spec = { name: 'ev', limits: { memory: '512m', cpus: '1', pids: 256 }, alerts: { ...OFF, memory: { percent: 90, forSeconds: 10 } } } as unknown as ServerSpec;
    let memory = 950;
    let restarts = 0;
    const status = (): ServerStatus => ({ name: 'ev', host: 'local', image: 'i', source: 's', phase: 'healthy', restartCount: restarts, health: [{ t: clock, ok: false }], stats: { cpuPercent: 1, memoryBytes: memory, memoryLimitBytes: 1000, networkRxBytes: clock, networkTxBytes: 0, pids: 1 } });
    const server: MeasuredServer = { name: 'ev', spec, status };
    let clock = 0;
    const events: string[] = [];
    let notified = 0;
    let present = [server];
    const m = new Metrics(() => present, { alert: (e) => events.push(`${e.kind} ${e.alert.rule}`), alertsChanged: () => notified++ }, () => clock);
    for (clock = 0; clock <= 10_000; clock += 5000) {
      m.record({ t: clock, server: 'ev', tool: 'echo', client: 'c', ms: 2, outcome: clock === 5000 ? 'error' : 'ok' });
      m.sample();
    }
    expect(events).toEqual(['fired memory']);
    expect(notified).toBe(1);
    const h = m.history('ev')?.toJson('ev');
    expect(h?.t).toEqual([0, 5000, 10_000]);
    expect(h?.calls).toEqual([1, 1, 1]);
    expect(h?.errors).toEqual([0, 1, 0]);
    expect(h?.memoryBytes).toEqual([950, 950, 950]);
    // The rx counter grows by 5000 bytes every 5 s.
    expect(h?.rxBytesPerSecond).toEqual([null, 1000, 1000]);
    expect(h?.healthFailures).toEqual([1, 1, 1]);
    expect(m.healthFailuresTotal('ev')).toBe(3);
    memory = 100;
    restarts = 1;
    clock = 15_000;
    m.sample();
    expect(events).toEqual(['fired memory', 'cleared memory']);
    expect(m.alerts.state().recent[0]?.clearedAt).toBe(15_000);
    expect(m.calls.all()[0]?.byOutcome).toEqual({ ok: 2, 'tool-error': 0, error: 1 });
    present = [];
    clock = 20_000;
    m.sample();
    expect(m.history('ev')).toBeUndefined();
    expect(m.budget.servers).toBe(0);
  });

  it('holds an hour in a fixed budget and wraps around', () => {
    let clock = 0;
    const spec = { name: 'ev', limits: { memory: '512m', cpus: '1', pids: 256 }, alerts: OFF } as unknown as ServerSpec;
    const m = new Metrics(() => [{ name: 'ev', spec, status: () => ({ name: 'ev', host: 'local', image: 'i', source: 's', phase: 'stopped', restartCount: 0, health: [] }) }], { alert: () => undefined, alertsChanged: () => undefined }, () => clock);
    const { slots, bytesPerServer, resolutionMs } = m.budget;
    expect(slots * resolutionMs).toBe(3600_000);
    expect(bytesPerServer).toBeLessThan(128 * 1024);
    for (let i = 0; i < slots + 7; i++, clock += resolutionMs) m.sample();
    const h = m.history('ev')?.toJson('ev');
    expect(h?.t).toHaveLength(slots);
    expect(h?.t[0]).toBe(7 * resolutionMs);
    expect(h?.t.at(-1)).toBe((slots + 6) * resolutionMs);
    expect(h?.cpuPercent.every((v) => v === null)).toBe(true);
    expect(m.history('ev')?.toJson('ev', (slots + 4) * resolutionMs).t).toHaveLength(2);
  });
});
