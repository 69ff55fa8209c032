// What the dashboard shows, built from the daemon's state: servers, open alerts and the metrics
// history the panel keeps. No `vscode` import, so it is unit-tested; the script only places the
// strings and hands the series to its charts.
import { formatBytes } from '../../daemon/client/format.js';
import type { Alert } from '../../daemon/protocol/alerts.js';
import type { ServerHistory } from '../../daemon/protocol/metrics.js';
import type { ServerStatus } from '../../daemon/protocol/status.js';
import { hostLabel, iconOf, isRunning } from '../tree/nodes.js';
import type { DashboardAlert, DashboardServer, DashboardUpdate } from './dashboardMessages.js';

/** The span the graphs show, and the one the calls per minute and p95 latency are read from. */
export const GRAPH_WINDOW_MS = 15 * 60_000;
const CALLS_WINDOW_MS = 60_000;
const LATENCY_WINDOW_MS = 5 * 60_000;

/**
 * Each server's history, grown by polling `metrics/history` with `since` (only the new samples
 * travel) and cut to the graphs' window, so a panel open for hours holds a fixed amount.
 */
export class HistoryBuffer {
  private readonly byName = new Map<string, ServerHistory>();

  /** Where the next poll starts: the newest sample held. */
  get since(): number | undefined {
    let newest: number | undefined;
    for (const h of this.byName.values()) {
      const last = h.t.at(-1);
      if (last !== undefined && (newest === undefined || last > newest)) newest = last;
    }
    return newest;
  }

  /** Adds what a poll returned; a server the daemon no longer reports is dropped. */
  apply(fresh: readonly ServerHistory[], now: number): void {
    const names = new Set(fresh.map((h) => h.name));
    for (const name of [...this.byName.keys()]) if (!names.has(name)) this.byName.delete(name);
    for (const h of fresh) {
      const held = this.byName.get(h.name);
      const merged = held ? append(held, h) : h;
      this.byName.set(h.name, cut(merged, now - GRAPH_WINDOW_MS));
    }
  }

  get(name: string): ServerHistory | undefined {
    return this.byName.get(name);
  }
}

type Column = Exclude<keyof ServerHistory, 'name' | 't'>;
const COLUMNS: Column[] = ['phase', 'cpuPercent', 'memoryBytes', 'memoryLimitBytes', 'rxBytesPerSecond', 'txBytesPerSecond', 'restarts', 'healthChecks', 'healthFailures', 'calls', 'errors', 'latencyP95Ms'];

/** The samples of `more` newer than the last one held (a poll's `since` may overlap). */
function append(held: ServerHistory, more: ServerHistory): ServerHistory {
  const last = held.t.at(-1) ?? -Infinity;
  const from = more.t.findIndex((t) => t > last);
  if (from < 0) return held;
  const out = { ...held, t: [...held.t, ...more.t.slice(from)] } as Record<string, unknown>;
  for (const c of COLUMNS) out[c] = [...held[c], ...more[c].slice(from)];
  return out as ServerHistory;
}

function cut(h: ServerHistory, oldest: number): ServerHistory {
  const from = h.t.findIndex((t) => t >= oldest);
  if (from === 0) return h;
  const start = from < 0 ? h.t.length : from;
  const out = { ...h, t: h.t.slice(start) } as Record<string, unknown>;
  for (const c of COLUMNS) out[c] = h[c].slice(start);
  return out as ServerHistory;
}

export interface DashboardInput {
  connected: boolean;
  servers: readonly ServerStatus[];
  alerts: readonly Alert[];
  history: HistoryBuffer;
  now: number;
  clock?: (t: number) => string;
}

export function dashboardView(i: DashboardInput): DashboardUpdate {
  const clock = i.clock ?? ((t: number) => new Date(t).toLocaleTimeString());
  const alert = (a: Alert): DashboardAlert => ({ server: a.server, rule: a.rule, message: a.message, since: clock(a.firedAt) });
  const servers = [...i.servers]
    .sort((a, b) => a.host.localeCompare(b.host) || a.name.localeCompare(b.name))
    .map((s) => serverCard(s, i.alerts.filter((a) => a.server === s.name).map(alert), i.history.get(s.name), i.now));
  return { type: 'update', connected: i.connected, servers, alerts: i.alerts.map(alert) };
}

function serverCard(s: ServerStatus, alerts: DashboardAlert[], h: ServerHistory | undefined, now: number): DashboardServer {
  const running = isRunning(s);
  const last = s.health.at(-1);
  const st = running ? s.stats : undefined;
  return {
    name: s.name,
    host: hostLabel(s.host),
    phase: s.phase,
    icon: iconOf({ kind: 'server', server: s }),
    message: s.message,
    running,
    health: last ? (last.ok ? `passed${last.ms === undefined ? '' : ` in ${Math.round(last.ms)} ms`}` : `failed: ${last.error ?? 'no answer'}`) : 'no checks yet',
    healthOk: last?.ok,
    cpu: st ? `${st.cpuPercent.toFixed(1)}%` : '–',
    memory: st ? `${formatBytes(st.memoryBytes)} of ${formatBytes(st.memoryLimitBytes)}` : '–',
    ...callFigures(h, now),
    alerts,
    series: {
      t: (h?.t ?? []).map((t) => t / 1000),
      cpuPercent: h?.cpuPercent ?? [],
      memoryBytes: h?.memoryBytes ?? [],
      memoryLimitBytes: h?.memoryLimitBytes ?? [],
    },
  };
}

/** Tool calls in the last minute, and the newest p95 latency of the last five minutes. */
export function callFigures(h: ServerHistory | undefined, now: number): { callsPerMinute: string; latencyP95: string } {
  let calls = 0;
  let p95: number | undefined;
  for (let k = 0; h && k < h.t.length; k++) {
    const t = h.t[k] ?? 0;
    if (t > now - CALLS_WINDOW_MS) calls += h.calls[k] ?? 0;
    const l = h.latencyP95Ms[k];
    if (t > now - LATENCY_WINDOW_MS && l !== null && l !== undefined) p95 = l;
  }
  return { callsPerMinute: String(calls), latencyP95: p95 === undefined ? 'no calls' : p95 < 10 ? `${p95.toFixed(1)} ms` : `${Math.round(p95)} ms` };
}
