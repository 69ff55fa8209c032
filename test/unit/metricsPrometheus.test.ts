import { describe, expect, it } from 'vitest';
import { CallMetrics, MAX_SERIES, OTHER } from '../../daemon/metrics/callMetrics.js';
import { escapeLabelValue, renderMetrics, type MetricsSource } from '../../daemon/metrics/prometheus.js';
import type { ServerStatus } from '../../daemon/protocol/status.js';

const server = (over: Partial<ServerStatus>): ServerStatus => ({ name: 'ev', host: 'local', image: 'img', source: 'f', phase: 'healthy', restartCount: 0, health: [], ...over });

function source(calls: CallMetrics, servers: ServerStatus[] = []): MetricsSource {
  return { servers: () => servers, calls: () => calls.all(), healthFailuresTotal: () => 2, openAlerts: (s) => (s === 'ev' ? 1 : 0) };
}

/** The sample lines of one metric name (no HELP/TYPE). */
const samples = (text: string, name: string) => text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));

describe('the Prometheus exposition', () => {
  it('escapes backslash, double quote and line feed in label values, and nothing else', () => {
    expect(escapeLabelValue('a\\b"c\nd\te')).toBe('a\\\\b\\"c\\nd\te');
  });

  it('counts calls per server, tool, client and outcome, with a cumulative histogram', () => {
    const calls = new CallMetrics();
    calls.record({ server: 'ev', tool: 'echo', client: 'claude', ms: 3, outcome: 'ok' });
    calls.record({ server: 'ev', tool: 'echo', client: 'claude', ms: 40, outcome: 'ok' });
    calls.record({ server: 'ev', tool: 'echo', client: 'claude', ms: 200_000, outcome: 'error' });
    const text = renderMetrics(source(calls));
    expect(text).toContain('# TYPE berth_tool_calls_total counter\n');
    expect(samples(text, 'berth_tool_calls_total')).toEqual([
      'berth_tool_calls_total{server="ev",tool="echo",client="claude",outcome="ok"} 2',
      'berth_tool_calls_total{server="ev",tool="echo",client="claude",outcome="error"} 1',
    ]);
    expect(text).toContain('# TYPE berth_tool_call_duration_seconds histogram\n');
    const lines = text.split('\n');
    expect(lines).toContain('berth_tool_call_duration_seconds_bucket{server="ev",tool="echo",client="claude",le="0.001"} 0');
    expect(lines).toContain('berth_tool_call_duration_seconds_bucket{server="ev",tool="echo",client="claude",le="0.005"} 1');
    expect(lines).toContain('berth_tool_call_duration_seconds_bucket{server="ev",tool="echo",client="claude",le="0.05"} 2');
    expect(lines).toContain('berth_tool_call_duration_seconds_bucket{server="ev",tool="echo",client="claude",le="120"} 2');
    expect(lines).toContain('berth_tool_call_duration_seconds_bucket{server="ev",tool="echo",client="claude",le="+Inf"} 3');
    expect(lines).toContain('berth_tool_call_duration_seconds_count{server="ev",tool="echo",client="claude"} 3');
    expect(lines).toContain('berth_tool_call_duration_seconds_sum{server="ev",tool="echo",client="claude"} 200.043');
  });

  it('escapes a hostile tool name so it stays in its label', () => {
    const calls = new CallMetrics();
    calls.record({ server: 'ev', tool: 'x"} 1\nberth_forged 9', client: 'c\\', ms: 1, outcome: 'tool-error' });
    const text = renderMetrics(source(calls));
    expect(samples(text, 'berth_tool_calls_total')).toEqual(['berth_tool_calls_total{server="ev",tool="x\\"} 1\\nberth_forged 9",client="c\\\\",outcome="tool-error"} 1']);
    expect(text.split('\n').some((l) => l.startsWith('berth_forged'))).toBe(false);
  });

  it('has HELP and TYPE for every family, and the server gauges and counters in their units', () => {
    const stats = { cpuPercent: 150, memoryBytes: 1024, memoryLimitBytes: 4096, networkRxBytes: 10, networkTxBytes: 20, pids: 3 };
    const text = renderMetrics(source(new CallMetrics(), [server({ stats, restartCount: 4 }), server({ name: 'off', phase: 'stopped' })]));
    const families = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(families).toEqual([
      'berth_tool_calls_total counter',
      'berth_tool_call_duration_seconds histogram',
      'berth_server_up gauge',
      'berth_server_memory_bytes gauge',
      'berth_server_memory_limit_bytes gauge',
      'berth_server_cpu_ratio gauge',
      'berth_server_network_receive_bytes_total counter',
      'berth_server_network_transmit_bytes_total counter',
      'berth_server_restarts_total counter',
      'berth_server_health_check_failures_total counter',
      'berth_alerts_open gauge',
    ]);
    for (const f of families) expect(text).toContain(`# HELP ${f.split(' ')[0]} `);
    expect(samples(text, 'berth_server_up')).toEqual(['berth_server_up{server="ev",host="local"} 1', 'berth_server_up{server="off",host="local"} 0']);
    expect(samples(text, 'berth_server_cpu_ratio')).toEqual(['berth_server_cpu_ratio{server="ev",host="local"} 1.5']);
    expect(samples(text, 'berth_server_memory_limit_bytes')).toEqual(['berth_server_memory_limit_bytes{server="ev",host="local"} 4096']);
    expect(samples(text, 'berth_server_network_transmit_bytes_total')).toEqual(['berth_server_network_transmit_bytes_total{server="ev",host="local"} 20']);
    expect(samples(text, 'berth_server_restarts_total')).toContain('berth_server_restarts_total{server="ev",host="local"} 4');
    expect(samples(text, 'berth_server_health_check_failures_total')).toContain('berth_server_health_check_failures_total{server="ev",host="local"} 2');
    expect(samples(text, 'berth_alerts_open')).toEqual(['berth_alerts_open{server="ev",host="local"} 1', 'berth_alerts_open{server="off",host="local"} 0']);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('keeps the number of series bounded when clients call made-up tools', () => {
    const calls = new CallMetrics();
    for (let i = 0; i < MAX_SERIES + 500; i++) calls.record({ server: 'ev', tool: `t${i}`, client: 'c', ms: 1, outcome: 'error' });
    const all = calls.all();
    expect(all).toHaveLength(MAX_SERIES + 1);
    expect(all.find((s) => s.tool === OTHER)?.byOutcome.error).toBe(500);
  });
});
