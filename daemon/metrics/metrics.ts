import type { AuditEntry } from '../logs/audit.js';
import type { AlertsState } from '../protocol/alerts.js';
import type { ServerSpec } from '../protocol/spec.js';
import type { ServerStatus } from '../protocol/status.js';
import { parseCpus } from '../servers/units.js';
import { AlertBook, type AlertEvent } from './alertBook.js';
import { evaluateRules } from './alertRules.js';
import { CallMetrics } from './callMetrics.js';
import { HISTORY_SLOTS, RESOLUTION_MS, ServerHistoryRing } from './history.js';
import { BUCKET_COUNT, bucketOf } from './latency.js';
import type { MetricsSource } from './prometheus.js';

/** What the metrics read of a server: its supervisor. */
export interface MeasuredServer {
  readonly name: string;
  readonly spec: ServerSpec;
  status(): ServerStatus;
}

export interface MetricsEvents {
  /** An alert fired or cleared (each once). */
  alert(event: AlertEvent): void;
  /** The set of open or recent alerts changed. */
  alertsChanged(state: AlertsState): void;
}

/** One server's running tallies between samples, and its counters since the daemon started. */
class Track {
  readonly history = new ServerHistoryRing();
  calls = 0;
  errors = 0;
  latency = new Uint32Array(BUCKET_COUNT);
  /** The newest health check already counted, and the failed ones counted so far. */
  lastCheck = -Infinity;
  healthFailuresTotal = 0;
  /** The network counters at the previous sample, for a rate. */
  previous: { t: number; rx: number; tx: number } | undefined;
}

/**
 * The daemon's metrics: a sample of every server every RESOLUTION_MS into its history, the tool
 * calls every path makes (fed by the audit log, which records each call once), and the alerts the
 * rules raise over that history.
 */
export class Metrics {
  readonly calls = new CallMetrics();
  readonly alerts = new AlertBook();
  private readonly tracks = new Map<string, Track>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly servers: () => MeasuredServer[],
    private readonly on: MetricsEvents,
    private readonly clock: () => number = Date.now,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.sample(), RESOLUTION_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Memory the histories take: fixed per server, allocated when the server is first sampled. */
  get budget(): { slots: number; resolutionMs: number; bytesPerServer: number; servers: number; bytes: number } {
    return { slots: HISTORY_SLOTS, resolutionMs: RESOLUTION_MS, bytesPerServer: ServerHistoryRing.BYTES, servers: this.tracks.size, bytes: this.tracks.size * ServerHistoryRing.BYTES };
  }

  /** A call recorded in the audit log (already redacted). */
  record(e: AuditEntry): void {
    this.calls.record(e);
    const track = this.tracks.get(e.server) ?? this.trackNew(e.server);
    if (!track) return;
    track.calls++;
    if (e.outcome !== 'ok') track.errors++;
    const b = bucketOf(e.ms);
    track.latency[b] = (track.latency[b] ?? 0) + 1;
  }

  /** What `/metrics` exposes. */
  get source(): MetricsSource {
    return {
      servers: () => this.servers().map((s) => s.status()),
      calls: () => this.calls.all(),
      healthFailuresTotal: (server) => this.healthFailuresTotal(server),
      openAlerts: (server) => this.alerts.openCount(server),
    };
  }

  /** Counters since the daemon started that the history does not hold as such. */
  healthFailuresTotal(server: string): number {
    return this.tracks.get(server)?.healthFailuresTotal ?? 0;
  }

  history(name: string): ServerHistoryRing | undefined {
    return this.tracks.get(name)?.history;
  }

  /** A server added since the last sample gets its history now, so its first calls count; a name that is no server (Berth's own) gets none. */
  private trackNew(name: string): Track | undefined {
    if (!this.servers().some((s) => s.name === name)) return undefined;
    const track = new Track();
    this.tracks.set(name, track);
    return track;
  }

  /** Takes one sample of every server, then evaluates its alert rules on its history. */
  sample(): void {
    const now = this.clock();
    const servers = this.servers();
    const events: AlertEvent[] = [];
    for (const server of servers) {
      const track = this.tracks.get(server.name) ?? this.trackNew(server.name) ?? new Track();
      this.sampleOne(server, track, now);
      const conditions = evaluateRules(server.spec.alerts, track.history.samples(), { cpuLimitCores: cores(server.spec.limits.cpus) }, now);
      events.push(...this.alerts.update(server.name, conditions, now));
    }
    const present = new Set(servers.map((s) => s.name));
    for (const name of [...this.tracks.keys()]) {
      if (present.has(name)) continue;
      this.tracks.delete(name);
      events.push(...this.alerts.forget(name, now));
    }
    for (const e of events) this.on.alert(e);
    if (events.length) this.on.alertsChanged(this.alerts.state());
  }

  private sampleOne(server: MeasuredServer, track: Track, now: number): void {
    const status = server.status();
    const stats = status.stats;
    let healthChecks = 0;
    let healthFailures = 0;
    for (const check of status.health) {
      if (check.t <= track.lastCheck) continue;
      healthChecks++;
      if (!check.ok) healthFailures++;
    }
    track.lastCheck = Math.max(track.lastCheck, ...status.health.map((c) => c.t));
    track.healthFailuresTotal += healthFailures;
    let rx = NaN;
    let tx = NaN;
    if (stats) {
      const prev = track.previous;
      // A counter that went down belongs to a new container: no rate for that one interval.
      if (prev && stats.networkRxBytes >= prev.rx && stats.networkTxBytes >= prev.tx && now > prev.t) {
        rx = ((stats.networkRxBytes - prev.rx) * 1000) / (now - prev.t);
        tx = ((stats.networkTxBytes - prev.tx) * 1000) / (now - prev.t);
      }
      track.previous = { t: now, rx: stats.networkRxBytes, tx: stats.networkTxBytes };
    } else {
      track.previous = undefined;
    }
    track.history.record({
      t: now,
      phase: status.phase,
      cpuPercent: stats?.cpuPercent ?? NaN,
      memoryBytes: stats?.memoryBytes ?? NaN,
      memoryLimitBytes: stats?.memoryLimitBytes ?? NaN,
      rxBytesPerSecond: rx,
      txBytesPerSecond: tx,
      restarts: status.restartCount,
      healthChecks,
      healthFailures,
      calls: track.calls,
      errors: track.errors,
      latency: track.latency,
    });
    track.calls = 0;
    track.errors = 0;
    track.latency.fill(0);
  }
}

/** `limits.cpus` in cores (a spec that validated always parses). */
function cores(cpus: string): number {
  return parseCpus(cpus) / 1e9;
}
