import { Phase } from '../protocol/status.js';
import type { ServerHistory as HistoryJson } from '../protocol/metrics.js';
import { BUCKET_COUNT, quantileMs } from './latency.js';

/** One sample every this long… */
export const RESOLUTION_MS = 5000;
/** …for the last hour. */
export const HISTORY_SLOTS = 3600_000 / RESOLUTION_MS;

/** What one sample holds; a number that was not known (no stats from a stopped container) is NaN. */
export interface Sample {
  t: number;
  phase: Phase | undefined;
  cpuPercent: number;
  memoryBytes: number;
  memoryLimitBytes: number;
  rxBytesPerSecond: number;
  txBytesPerSecond: number;
  restarts: number;
  healthChecks: number;
  healthFailures: number;
  calls: number;
  errors: number;
  /** Calls per latency bucket since the previous sample (latency.ts). */
  latency: ArrayLike<number>;
}

const VALUE_COLUMNS = ['cpuPercent', 'memoryBytes', 'memoryLimitBytes', 'rxBytesPerSecond', 'txBytesPerSecond', 'restarts', 'healthChecks', 'healthFailures', 'calls', 'errors'] as const;
type ValueColumn = (typeof VALUE_COLUMNS)[number];
const NO_PHASE = 255;

/**
 * One server's last hour, in fixed-size typed-array rings allocated once: times as float64, values
 * as float32 (plenty for graphs and thresholds), the phase as a byte, and per-bucket call counts.
 * Its memory never grows, whatever the server does; `BYTES` is what each server costs.
 */
export class ServerHistoryRing {
  static readonly BYTES = HISTORY_SLOTS * (8 + VALUE_COLUMNS.length * 4 + 1 + BUCKET_COUNT * 4);
  private readonly t = new Float64Array(HISTORY_SLOTS);
  private readonly values = Object.fromEntries(VALUE_COLUMNS.map((c) => [c, new Float32Array(HISTORY_SLOTS)])) as Record<ValueColumn, Float32Array>;
  private readonly phase = new Uint8Array(HISTORY_SLOTS);
  private readonly latency = new Uint32Array(HISTORY_SLOTS * BUCKET_COUNT);
  /** Where the next sample goes, and how many slots hold one. */
  private next = 0;
  private size = 0;

  get length(): number {
    return this.size;
  }

  record(s: Sample): void {
    const i = this.next;
    this.t[i] = s.t;
    for (const c of VALUE_COLUMNS) this.values[c][i] = s[c];
    this.phase[i] = s.phase === undefined ? NO_PHASE : Phase.options.indexOf(s.phase);
    for (let b = 0; b < BUCKET_COUNT; b++) this.latency[i * BUCKET_COUNT + b] = s.latency[b] ?? 0;
    this.next = (i + 1) % HISTORY_SLOTS;
    this.size = Math.min(this.size + 1, HISTORY_SLOTS);
  }

  /** The samples newer than `since` (ms since the epoch), oldest first. */
  samples(since = -Infinity): Sample[] {
    const out: Sample[] = [];
    for (let k = 0; k < this.size; k++) {
      const i = (this.next - this.size + k + HISTORY_SLOTS) % HISTORY_SLOTS;
      const t = this.t[i] ?? 0;
      if (t <= since) continue;
      const code = this.phase[i] ?? NO_PHASE;
      const value = (c: ValueColumn) => this.values[c][i] ?? NaN;
      out.push({
        t,
        phase: code === NO_PHASE ? undefined : Phase.options[code],
        cpuPercent: value('cpuPercent'),
        memoryBytes: value('memoryBytes'),
        memoryLimitBytes: value('memoryLimitBytes'),
        rxBytesPerSecond: value('rxBytesPerSecond'),
        txBytesPerSecond: value('txBytesPerSecond'),
        restarts: value('restarts'),
        healthChecks: value('healthChecks'),
        healthFailures: value('healthFailures'),
        calls: value('calls'),
        errors: value('errors'),
        latency: this.latency.subarray(i * BUCKET_COUNT, (i + 1) * BUCKET_COUNT),
      });
    }
    return out;
  }

  /** Columns for a chart (uPlot takes exactly this shape); unknown values are null. */
  toJson(name: string, since?: number): HistoryJson {
    const samples = this.samples(since);
    const column = (c: ValueColumn) => samples.map((s) => (Number.isNaN(s[c]) ? null : s[c]));
    return {
      name,
      t: samples.map((s) => s.t),
      phase: samples.map((s) => s.phase ?? null),
      cpuPercent: column('cpuPercent'),
      memoryBytes: column('memoryBytes'),
      memoryLimitBytes: column('memoryLimitBytes'),
      rxBytesPerSecond: column('rxBytesPerSecond'),
      txBytesPerSecond: column('txBytesPerSecond'),
      restarts: column('restarts'),
      healthChecks: column('healthChecks'),
      healthFailures: column('healthFailures'),
      calls: column('calls'),
      errors: column('errors'),
      latencyP95Ms: samples.map((s) => quantileMs(s.latency, 0.95) ?? null),
    };
  }
}
