import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectDaemon } from '../../daemon/client/client.js';
import type { AlertsState } from '../../daemon/protocol/alerts.js';
import { AlertsDidChange, MetricsHistory } from '../../daemon/protocol/metrics.js';
import { FIXTURE_IMAGE, freePort, TestHome, waitFor } from '../support.js';

interface Endpoint {
  url: string;
  headers: Record<string, string>;
}

describe('metrics and alerts on the real engine', () => {
  let home: TestHome;
  beforeEach(async () => {
    home = await TestHome.create();
  });
  afterEach(() => home.dispose());

  it("Debian's prometheus scrapes /metrics with the bearer token and reads berth_tool_calls_total back", async () => {
    await home.writeSpecs(`servers:\n  tl:\n    image: ${FIXTURE_IMAGE}\n    args: [/app/tools.js]\n`);
    await home.ok(['start', 'tl']);
    const endpoint = await home.json<Endpoint>(['endpoint', 'tl']);
    const gateway = new URL(endpoint.url);
    const token = (endpoint.headers.Authorization ?? '').replace(/^Bearer /, '');
    // Refused without the token, like every other gateway path.
    expect((await fetch(`${gateway.origin}/metrics`)).status).toBe(401);

    const dir = await mkdtemp(path.join(os.tmpdir(), 'berth-prometheus-'));
    const port = await freePort();
    await writeFile(
      path.join(dir, 'prometheus.yml'),
      JSON.stringify({
        global: { scrape_interval: '1s', evaluation_interval: '1s' },
        scrape_configs: [{ job_name: 'berth', metrics_path: '/metrics', authorization: { type: 'Bearer', credentials: token }, static_configs: [{ targets: [gateway.host] }] }],
      }),
    );
    let prometheus: ChildProcess | undefined;
    let log = '';
    try {
      prometheus = spawn('prometheus', [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
      prometheus.stderr?.on('data', (b: Buffer) => (log = (log + b.toString()).slice(-4000)));
      for (let i = 0; i < 3; i++) await home.ok(['call', 'tl', 'echo', '{"message":"hi"}']);
      await home.berth(['call', 'tl', 'leak']);
      // Another path, the gateway, is counted alike, under the name its client declares.
      const viaGateway = new Client({ name: 'scraped-client', version: '1' });
      await viaGateway.connect(new StreamableHTTPClientTransport(new URL(endpoint.url), { requestInit: { headers: endpoint.headers } }));
      await viaGateway.callTool({ name: 'echo', arguments: { message: 'over http' } });
      await viaGateway.close();
      const query = async (q: string) => {
        const r = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(q)}`);
        const body = (await r.json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
        return body.data.result;
      };
      const result = await waitFor(
        'prometheus to have scraped 3 echo calls',
        async () => {
          const r = await query('berth_tool_calls_total{server="tl",tool="echo",client="berth-cli"}');
          return r[0]?.value[1] === '3' ? r : undefined;
        },
        120_000,
      ).catch((e: Error) => {
        throw new Error(`${e.message}; prometheus said: ${log}`);
      });
      expect(result).toHaveLength(1);
      expect(result[0]?.metric).toMatchObject({ server: 'tl', tool: 'echo', client: 'berth-cli', outcome: 'ok', job: 'berth' });
      // The call the secret scan refused counts as an error, and the server gauges are there too.
      expect((await query('berth_tool_calls_total{server="tl",tool="leak",outcome="error"}'))[0]?.value[1]).toBe('1');
      expect((await query('berth_tool_calls_total{server="tl",tool="echo",client="scraped-client",outcome="ok"}'))[0]?.value[1]).toBe('1');
      expect((await query('berth_server_up{server="tl"}'))[0]?.value[1]).toBe('1');
      expect((await query('berth_tool_call_duration_seconds_count{server="tl",tool="echo",client="berth-cli"}'))[0]?.value[1]).toBe('3');
      expect(Number((await query('berth_server_memory_limit_bytes{server="tl"}'))[0]?.value[1])).toBe(512 * 1024 * 1024);
    } finally {
      prometheus?.kill();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('raises the memory alert for a server eating towards its limit, and clears it after a restart', async () => {
    await home.writeSpecs(`servers:
  burn:
    image: ${FIXTURE_IMAGE}
    args: [/app/burn.js]
    limits: { memory: 128m }
    alerts: { memory: { percent: 75, forSeconds: 5 } }
`);
    await home.ok(['start', 'burn']);
    // A client of the daemon (the editor) hears of it as a notification.
    const client = await connectDaemon(home.paths, 'metrics-test', false);
    const pushed: AlertsState[] = [];
    client.on(AlertsDidChange, (p) => pushed.push(p));
    await home.ok(['call', 'burn', 'eat']);
    const fired = await waitFor(
      'the memory alert',
      async () => {
        const s = await home.json<AlertsState>(['alerts']);
        return s.open.find((a) => a.server === 'burn' && a.rule === 'memory');
      },
      120_000,
    );
    expect(fired.message).toMatch(/^memory at \d+(\.\d)?% of its limit for 5 s or more \(alert at 75%\)$/);
    expect(await home.ok(['status'])).toContain(`alert: burn: memory: ${fired.message}`);
    expect(await home.ok(['top', '--once'])).toMatch(/\nburn\s+local\s+healthy\s+.*\s1\n?$/);
    expect(await home.ok(['logs', 'burn', '--grep', 'alert'])).toContain('alert fired: memory');
    await waitFor('the alerts/didChange notification', async () => pushed.some((p) => p.open.some((a) => a.id === fired.id)));
    client.close();

    await home.ok(['restart', 'burn']);
    const cleared = await waitFor(
      'the memory alert to clear',
      async () => {
        const s = await home.json<AlertsState>(['alerts', 'burn']);
        return s.open.length === 0 ? s.recent.find((a) => a.id === fired.id) : undefined;
      },
      120_000,
    );
    expect(cleared.clearedAt).toBeGreaterThan(fired.firedAt);
    expect(await home.ok(['status'])).not.toContain('alert: burn');
  });

  it('raises the restarts alert for a crash loop', async () => {
    await home.writeSpecs(`servers:
  loop:
    image: ${FIXTURE_IMAGE}
    args: [-e, "process.exit(3)"]
    alerts: { restarts: { count: 2, withinSeconds: 300 }, unhealthy: false }
`);
    // The start itself fails (the server exits at once); the restart policy keeps trying.
    await home.berth(['start', 'loop']);
    const alert = await waitFor(
      'the restarts alert',
      async () => (await home.json<AlertsState>(['alerts'])).open.find((a) => a.server === 'loop' && a.rule === 'restarts'),
      180_000,
    );
    expect(alert.message).toMatch(/^restarted \d+ times within 300 s \(alert above 2\)$/);
    const top = await home.json<{ name: string; restartCount: number; openAlerts: number }[]>(['top', '--once']);
    expect(top.find((r) => r.name === 'loop')).toMatchObject({ openAlerts: 1 });
    expect(top.find((r) => r.name === 'loop')?.restartCount).toBeGreaterThan(2);
    // The history a chart reads: the samples show the restarts climbing, in a fixed budget.
    const client = await connectDaemon(home.paths, 'metrics-test', false);
    try {
      const history = await client.request(MetricsHistory, { name: 'loop' });
      expect(history.slots * history.resolutionMs).toBe(3600_000);
      expect(history.bytesPerServer).toBeGreaterThan(0);
      const restarts = history.servers[0]?.restarts ?? [];
      expect(restarts.length).toBeGreaterThan(1);
      expect(restarts.at(-1)).toBeGreaterThan(restarts[0] ?? Infinity);
    } finally {
      client.close();
    }
  });
});
