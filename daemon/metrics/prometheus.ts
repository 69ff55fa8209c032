import type http from 'node:http';
import type { ServerStatus } from '../protocol/status.js';
import { OUTCOMES, type CallSeries } from './callMetrics.js';
import { LATENCY_BUCKETS_SECONDS } from './latency.js';

/** Prometheus's text exposition format, version 0.0.4. */
export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** What the exposition reads: the servers as they are now, the call series, and the daemon's counters. */
export interface MetricsSource {
  servers(): ServerStatus[];
  calls(): CallSeries[];
  healthFailuresTotal(server: string): number;
  openAlerts(server: string): number;
}

type Labels = Record<string, string>;

/** A label value as the format wants it: backslash, double quote and line feed escaped. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text escapes backslash and line feed only. */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function labelText(labels: Labels): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  return pairs.length ? `{${pairs.join(',')}}` : '';
}

/** A sample value: integers as they are, +Inf/-Inf/NaN spelled the format's way. */
function valueText(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

class Exposition {
  private lines: string[] = [];

  family(name: string, type: 'counter' | 'gauge', help: string, samples: [Labels, number][]): void {
    this.lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) this.lines.push(`${name}${labelText(labels)} ${valueText(value)}`);
  }

  histogram(name: string, help: string, series: { labels: Labels; buckets: number[]; sum: number }[]): void {
    this.lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} histogram`);
    for (const s of series) {
      let cumulative = 0;
      LATENCY_BUCKETS_SECONDS.forEach((le, i) => {
        cumulative += s.buckets[i] ?? 0;
        this.lines.push(`${name}_bucket${labelText({ ...s.labels, le: String(le) })} ${cumulative}`);
      });
      cumulative += s.buckets[LATENCY_BUCKETS_SECONDS.length] ?? 0;
      this.lines.push(`${name}_bucket${labelText({ ...s.labels, le: '+Inf' })} ${cumulative}`);
      this.lines.push(`${name}_sum${labelText(s.labels)} ${valueText(s.sum)}`);
      this.lines.push(`${name}_count${labelText(s.labels)} ${cumulative}`);
    }
  }

  text(): string {
    return `${this.lines.join('\n')}\n`;
  }
}

/** Every Berth metric in the text format. Counters since the daemon started (Prometheus takes a daemon restart as a counter reset). */
export function renderMetrics(src: MetricsSource): string {
  const out = new Exposition();
  const calls = src.calls();
  out.family(
    'berth_tool_calls_total',
    'counter',
    'Tool calls through Berth (gateway, berth connect, berth call, the editor), by server, tool, calling client and outcome (ok, tool-error: the tool answered isError, error: no answer).',
    calls.flatMap((c) => OUTCOMES.filter((o) => c.byOutcome[o] > 0).map((o): [Labels, number] => [{ server: c.server, tool: c.tool, client: c.client, outcome: o }, c.byOutcome[o]])),
  );
  out.histogram(
    'berth_tool_call_duration_seconds',
    'How long tool calls took, from the request reaching the daemon to its answer.',
    calls.map((c) => ({ labels: { server: c.server, tool: c.tool, client: c.client }, buckets: c.buckets, sum: c.sumSeconds })),
  );
  const servers = src.servers();
  const per = (f: (s: ServerStatus) => number | undefined) =>
    servers.flatMap((s): [Labels, number][] => {
      const v = f(s);
      return v === undefined ? [] : [[{ server: s.name, host: s.host }, v]];
    });
  out.family('berth_server_up', 'gauge', 'Whether the server is running and answering MCP health checks (1) or not (0).', per((s) => (s.phase === 'healthy' ? 1 : 0)));
  out.family('berth_server_memory_bytes', 'gauge', 'Memory the server container uses, page cache excluded (as docker stats shows it).', per((s) => s.stats?.memoryBytes));
  out.family('berth_server_memory_limit_bytes', 'gauge', "The server container's memory limit.", per((s) => s.stats?.memoryLimitBytes));
  out.family('berth_server_cpu_ratio', 'gauge', 'CPU the server container uses, in cores (1 = one core busy), over the last stats interval.', per((s) => (s.stats ? s.stats.cpuPercent / 100 : undefined)));
  out.family('berth_server_network_receive_bytes_total', 'counter', 'Bytes the server container received (resets when its container is recreated).', per((s) => s.stats?.networkRxBytes));
  out.family('berth_server_network_transmit_bytes_total', 'counter', 'Bytes the server container sent (resets when its container is recreated).', per((s) => s.stats?.networkTxBytes));
  out.family('berth_server_restarts_total', 'counter', 'Restarts Berth made after crashes or failed health checks, since the daemon started.', per((s) => s.restartCount));
  out.family('berth_server_health_check_failures_total', 'counter', 'MCP health checks (ping) the server failed, since the daemon started.', per((s) => src.healthFailuresTotal(s.name)));
  out.family('berth_alerts_open', 'gauge', "The server's open alerts (berth alerts lists them).", per((s) => src.openAlerts(s.name)));
  return out.text();
}

/** Answers a scrape (the gateway has checked the token, Host and Origin). */
export function serveMetrics(req: http.IncomingMessage, res: http.ServerResponse, src: MetricsSource): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('use GET for /metrics\n');
    return;
  }
  const body = renderMetrics(src);
  res.writeHead(200, { 'content-type': CONTENT_TYPE, 'content-length': Buffer.byteLength(body) });
  res.end(req.method === 'HEAD' ? undefined : body);
}
