import type { AuditEntry } from '../logs/audit.js';
import { BUCKET_COUNT, bucketOf } from './latency.js';

/**
 * Distinct (server, tool, client) series kept. Tool and client names come from clients, so a client
 * calling made-up tool names must not grow the daemon without bound: past the cap, new pairs are
 * counted under the server's `(other)` series.
 */
export const MAX_SERIES = 2000;
export const OTHER = '(other)';

export type Outcome = AuditEntry['outcome'];
export const OUTCOMES: readonly Outcome[] = ['ok', 'tool-error', 'error'];

export interface CallSeries {
  server: string;
  tool: string;
  client: string;
  byOutcome: Record<Outcome, number>;
  /** Calls per latency bucket (not cumulative), and their total duration in seconds. */
  buckets: number[];
  sumSeconds: number;
}

/** Tool calls per server, tool and client, from every path (each is recorded in the audit log once). */
export class CallMetrics {
  private readonly series = new Map<string, CallSeries>();

  record(e: Pick<AuditEntry, 'server' | 'tool' | 'client' | 'ms' | 'outcome'>): void {
    const s = this.seriesFor(e.server, e.tool, e.client);
    s.byOutcome[e.outcome]++;
    const b = bucketOf(e.ms);
    s.buckets[b] = (s.buckets[b] ?? 0) + 1;
    s.sumSeconds += e.ms / 1000;
  }

  all(): CallSeries[] {
    return [...this.series.values()];
  }

  private seriesFor(server: string, tool: string, client: string): CallSeries {
    let key = JSON.stringify([server, tool, client]);
    let s = this.series.get(key);
    if (s) return s;
    if (this.series.size >= MAX_SERIES) {
      key = JSON.stringify([server, OTHER, OTHER]);
      s = this.series.get(key);
      if (s) return s;
      tool = OTHER;
      client = OTHER;
    }
    s = { server, tool, client, byOutcome: { ok: 0, 'tool-error': 0, error: 0 }, buckets: new Array<number>(BUCKET_COUNT).fill(0), sumSeconds: 0 };
    this.series.set(key, s);
    return s;
  }
}
