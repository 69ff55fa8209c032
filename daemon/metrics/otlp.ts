// Tool-call traces to an OpenTelemetry collector (OTLP/HTTP, JSON encoding), when the user's
// `telemetry.yaml` names one. Each call the audit log records (already redacted; never argument
// values) becomes one span; spans are batched and posted off the call's path, and a collector that
// is down costs a line in the daemon log, never a call.
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { daemonLog } from '../daemonLog.js';
import type { AuditEntry } from '../logs/audit.js';
import { describeIssue } from '../protocol/issue.js';
import { parseYaml } from '../servers/specYaml.js';

export const TelemetrySettings = z
  .object({
    otlp: z
      .object({
        /** The collector's traces URL, e.g. http://127.0.0.1:4318/v1/traces. */
        endpoint: z.url({ protocol: /^https?$/ }),
        /** Sent with every post, e.g. an Authorization header the collector wants. */
        headers: z.record(z.string().max(200), z.string().max(4096)).optional(),
        serviceName: z.string().min(1).max(200).default('berth'),
      })
      .strict()
      .optional(),
  })
  .strict();
export type TelemetrySettings = z.infer<typeof TelemetrySettings>;
type OtlpSettings = NonNullable<TelemetrySettings['otlp']>;

/** Beside the user spec file, in Berth's own config folder (never a workspace's). */
export function telemetrySettingsFile(userSpecFile: string): string {
  return path.join(path.dirname(userSpecFile), 'telemetry.yaml');
}

/** The spans a post carries at most, the spans held while a collector is slow, and how often to post. */
const BATCH = 512;
const MAX_QUEUED = 4096;
const FLUSH_MS = 2000;
const POST_TIMEOUT_MS = 5000;

type Attr = { key: string; value: { stringValue: string } | { intValue: string } };
const str = (key: string, v: string): Attr => ({ key, value: { stringValue: v } });

const newIds = () => ({ traceId: randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex') });

/**
 * One call as an OTLP span (JSON encoding: ids in hex, times as strings of nanoseconds), under
 * the ids the call went out with (a child of its caller's span), or new ones for a call that had none.
 */
export function callSpan(e: AuditEntry): Record<string, unknown> {
  const ids = e.traceId && e.spanId ? { traceId: e.traceId, spanId: e.spanId, ...(e.parentSpanId && { parentSpanId: e.parentSpanId }) } : newIds();
  // Milliseconds since the epoch times 1e6 overflow a double's exact integers: whole and fraction apart.
  const whole = Math.floor(e.t);
  const start = BigInt(whole) * 1_000_000n + BigInt(Math.round((e.t - whole) * 1e6));
  const end = start + BigInt(Math.round(e.ms * 1e6));
  return {
    ...ids,
    // MCP's semantic conventions: "{mcp.method.name} {target}", the server side of the call.
    name: `tools/call ${e.tool}`,
    kind: 2,
    startTimeUnixNano: start.toString(),
    endTimeUnixNano: end.toString(),
    attributes: [
      str('mcp.method.name', 'tools/call'),
      str('gen_ai.operation.name', 'execute_tool'),
      str('gen_ai.tool.name', e.tool),
      str('berth.server', e.server),
      str('berth.client', e.client),
      str('berth.outcome', e.outcome),
    ],
    // OK for an answer (a tool's isError is still an answer, marked by berth.outcome), ERROR when none came.
    status: e.outcome === 'error' ? { code: 2, message: e.error ?? 'the call failed' } : { code: 1 },
  };
}

/** An ExportTraceServiceRequest of spans from one service. */
export function traceRequest(spans: Record<string, unknown>[], serviceName: string, version: string): Record<string, unknown> {
  return {
    resourceSpans: [
      {
        resource: { attributes: [str('service.name', serviceName), str('service.version', version)] },
        scopeSpans: [{ scope: { name: 'berth', version }, spans }],
      },
    ],
  };
}

export class OtlpExporter {
  private queue: AuditEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private posting: Promise<void> = Promise.resolve();
  /** The settings file as last read, by its mtime, so an edit holds at the next post. */
  private read: { mtimeMs: number; settings: OtlpSettings | undefined } | undefined;
  private lastProblem: string | undefined;

  constructor(
    private readonly file: string,
    private readonly version: string,
  ) {}

  /** A call the audit log recorded; dropped at once when no collector is configured. */
  record(e: AuditEntry): void {
    if (!this.settings()) return;
    this.queue.push(e);
    if (this.queue.length > MAX_QUEUED) this.queue.splice(0, this.queue.length - MAX_QUEUED);
    if (this.queue.length >= BATCH) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS).unref();
  }

  /** Posts what is queued (one post at a time, in order); resolves when it has been sent or given up. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.posting = this.posting.then(async () => {
      while (this.queue.length) {
        const settings = this.settings();
        if (!settings) {
          this.queue = [];
          return;
        }
        const batch = this.queue.splice(0, BATCH);
        await this.post(settings, batch);
      }
    });
    return this.posting;
  }

  private async post(s: OtlpSettings, batch: AuditEntry[]): Promise<void> {
    const body = JSON.stringify(traceRequest(batch.map((e) => callSpan(e)), s.serviceName, this.version));
    try {
      const res = await fetch(s.endpoint, { method: 'POST', headers: { ...s.headers, 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(POST_TIMEOUT_MS) });
      await res.arrayBuffer();
      this.problem(res.ok ? undefined : `the OTLP collector at ${s.endpoint} answered ${res.status}; ${batch.length} spans dropped`);
    } catch (e) {
      this.problem(`cannot post traces to the OTLP collector at ${s.endpoint} (${(e as Error).message}); ${batch.length} spans dropped`);
    }
  }

  /** Each distinct problem once in the daemon log, and its end. */
  private problem(p: string | undefined): void {
    if (p === this.lastProblem) return;
    if (p) daemonLog(p);
    else if (this.lastProblem) daemonLog('posting traces to the OTLP collector works again');
    this.lastProblem = p;
  }

  private settings(): OtlpSettings | undefined {
    let mtimeMs: number;
    try {
      mtimeMs = statSync(this.file).mtimeMs;
    } catch {
      this.read = undefined;
      return undefined;
    }
    if (this.read?.mtimeMs === mtimeMs) return this.read.settings;
    this.read = { mtimeMs, settings: this.parse() };
    return this.read.settings;
  }

  private parse(): OtlpSettings | undefined {
    try {
      const yaml = parseYaml(readFileSync(this.file, 'utf8'));
      if ('error' in yaml) throw new Error(`is not valid YAML (${yaml.error})`);
      const parsed = TelemetrySettings.safeParse(yaml.value ?? {});
      if (!parsed.success) throw new Error(`has an error: ${describeIssue(parsed.error)}`);
      return parsed.data.otlp;
    } catch (e) {
      daemonLog(`no traces are exported: ${this.file} ${(e as Error).message}; fix it to export them`);
      return undefined;
    }
  }

  /** At shutdown: what is queued is sent first. */
  close(): Promise<void> {
    return this.flush();
  }
}
