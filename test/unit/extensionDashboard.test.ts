import { describe, expect, it } from 'vitest';
import type { Alert } from '../../daemon/protocol/alerts.js';
import type { ServerHistory } from '../../daemon/protocol/metrics.js';
import { FromDashboard } from '../../extension/webview/dashboardMessages.js';
import { callFigures, dashboardView, GRAPH_WINDOW_MS, HistoryBuffer } from '../../extension/webview/dashboardView.js';
import { status } from './extensionServers.js';

const NOW = 1_800_000_000_000;

/** A history of `n` samples 5 s apart ending at `end`, each column filled by `fill(k)`. */
function history(name: string, n: number, end = NOW, fill: (k: number) => Partial<Record<keyof ServerHistory, number | null>> = () => ({})): ServerHistory {
  const h: ServerHistory = { name, t: [], phase: [], cpuPercent: [], memoryBytes: [], memoryLimitBytes: [], rxBytesPerSecond: [], txBytesPerSecond: [], restarts: [], healthChecks: [], healthFailures: [], calls: [], errors: [], latencyP95Ms: [] };
  for (let k = 0; k < n; k++) {
    const v = fill(k);
    h.t.push(end - (n - 1 - k) * 5000);
    h.phase.push('healthy');
    h.cpuPercent.push(v.cpuPercent ?? k);
    h.memoryBytes.push(v.memoryBytes ?? 1024 * k);
    h.memoryLimitBytes.push(1 << 30);
    h.rxBytesPerSecond.push(0);
    h.txBytesPerSecond.push(0);
    h.restarts.push(0);
    h.healthChecks.push(1);
    h.healthFailures.push(0);
    h.calls.push(v.calls ?? 0);
    h.errors.push(0);
    h.latencyP95Ms.push(v.latencyP95Ms === undefined ? null : v.latencyP95Ms);
  }
  return h;
}

const alert = (server: string, rule: Alert['rule'], message: string): Alert => ({ id: `${server}-${rule}`, server, rule, message, firedAt: NOW - 60_000 });

describe('the dashboard history', () => {
  it('grows from polls with `since`, taking each sample once, and polls on from the newest', () => {
    const buf = new HistoryBuffer();
    expect(buf.since).toBeUndefined();
    buf.apply([history('a', 3, NOW - 10_000)], NOW);
    expect(buf.since).toBe(NOW - 10_000);
    // The next poll overlaps the last sample held and brings two new ones.
    buf.apply([history('a', 3, NOW)], NOW);
    const h = buf.get('a');
    expect(h?.t).toEqual([NOW - 20_000, NOW - 15_000, NOW - 10_000, NOW - 5000, NOW]);
    expect(h?.cpuPercent).toEqual([0, 1, 2, 1, 2]);
    expect(buf.since).toBe(NOW);
  });

  it('keeps only the graphs’ window, and drops servers the daemon no longer reports', () => {
    const buf = new HistoryBuffer();
    const hour = history('a', 720);
    buf.apply([hour, history('b', 2)], NOW);
    const kept = buf.get('a');
    expect(kept?.t[0]).toBeGreaterThanOrEqual(NOW - GRAPH_WINDOW_MS);
    expect(kept?.t).toHaveLength(GRAPH_WINDOW_MS / 5000 + 1);
    expect(kept?.memoryBytes).toHaveLength(kept?.t.length ?? -1);
    buf.apply([history('a', 0)], NOW);
    expect(buf.get('b')).toBeUndefined();
    expect(buf.get('a')?.t).toHaveLength(GRAPH_WINDOW_MS / 5000 + 1);
  });
});

describe('the dashboard view', () => {
  it('counts the last minute’s calls and shows the newest p95 latency', () => {
    const h = history('a', 20, NOW, (k) => ({ calls: 2, latencyP95Ms: k === 15 ? 12.4 : k === 18 ? 3.25 : null }));
    // Samples within the last 60 s: the newest 12 (t > NOW - 60 s).
    expect(callFigures(h, NOW)).toEqual({ callsPerMinute: '24', latencyP95: '3.3 ms' });
    expect(callFigures(history('a', 5), NOW)).toEqual({ callsPerMinute: '0', latencyP95: 'no calls' });
    expect(callFigures(undefined, NOW)).toEqual({ callsPerMinute: '0', latencyP95: 'no calls' });
  });

  it('shows every server of every host with its figures, graphs in seconds, and its open alerts', () => {
    const buf = new HistoryBuffer();
    buf.apply([history('ev', 3, NOW, (k) => ({ calls: 1, latencyP95Ms: 250 + k }))], NOW);
    const servers = [
      status('zed', { host: 'ssh://me@box', phase: 'stopped' }),
      status('ev', { stats: { cpuPercent: 12.345, memoryBytes: 50 * 2 ** 20, memoryLimitBytes: 2 ** 30, networkRxBytes: 0, networkTxBytes: 0, pids: 3 }, health: [{ t: NOW, ok: true, ms: 3.4 }] }),
      status('burn', { phase: 'unhealthy', message: 'not answering pings', health: [{ t: NOW, ok: false, error: 'timed out' }] }),
    ];
    const view = dashboardView({ connected: true, servers, alerts: [alert('ev', 'memory', 'memory at 95% of its limit')], history: buf, now: NOW, clock: () => '12:00:00' });
    expect(view.servers.map((s) => [s.name, s.host])).toEqual([
      ['burn', 'Local engine'],
      ['ev', 'Local engine'],
      ['zed', 'ssh://me@box'],
    ]);
    const [burn, ev, zed] = view.servers;
    expect(ev).toMatchObject({ phase: 'healthy', running: true, cpu: '12.3%', memory: '50.0 MiB of 1.0 GiB', health: 'passed in 3 ms', healthOk: true, callsPerMinute: '3', latencyP95: '252 ms' });
    expect(ev?.alerts).toEqual([{ server: 'ev', rule: 'memory', message: 'memory at 95% of its limit', since: '12:00:00' }]);
    expect(ev?.series.t).toEqual([(NOW - 10_000) / 1000, (NOW - 5000) / 1000, NOW / 1000]);
    expect(ev?.series.memoryBytes).toEqual([0, 1024, 2048]);
    expect(burn).toMatchObject({ health: 'failed: timed out', healthOk: false, message: 'not answering pings', alerts: [] });
    expect(zed).toMatchObject({ running: false, cpu: '–', memory: '–', health: 'no checks yet', healthOk: undefined, series: { t: [], cpuPercent: [] } });
    expect(view.alerts).toHaveLength(1);
  });
});

describe('dashboard messages', () => {
  it('accepts the actions its buttons post, for a server', () => {
    expect(FromDashboard.parse({ type: 'ready' })).toEqual({ type: 'ready' });
    for (const action of ['start', 'stop', 'restart', 'openLogs', 'showDetails']) expect(FromDashboard.parse({ type: 'run', action, server: 'ev' })).toEqual({ type: 'run', action, server: 'ev' });
  });

  it('refuses anything else: unknown actions, command ids, bad names, extra fields', () => {
    const hostile: unknown[] = [
      { type: 'run', action: 'remove', server: 'ev' },
      { type: 'run', action: 'workbench.action.terminal.new', server: 'ev' },
      { type: 'run', action: 'start' },
      { type: 'run', action: 'start', server: '../../etc' },
      { type: 'run', action: 'start', server: 'ev', args: ['x'] },
      { type: 'ready', extra: 1 },
      'ready',
      null,
    ];
    for (const m of hostile) expect(FromDashboard.safeParse(m).success, JSON.stringify(m)).toBe(false);
  });
});
