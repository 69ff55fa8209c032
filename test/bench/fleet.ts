/**
 * 50 running servers: tools/list through the aggregate endpoint (warm) beside 50 direct stdio
 * connections listing in parallel, and the daemon's resident memory with the 50 idle.
 */
import { connectDaemon } from '../../daemon/client/client.js';
import { berthPaths } from '../../daemon/protocol/paths.js';
import * as M from '../../daemon/protocol/methods.js';
import { MetricsHistory } from '../../daemon/protocol/metrics.js';
import { connect, type BenchClient, type Target } from './clients.js';
import { dockerRunStdio } from './containers.js';
import { daemonPid, daemonRssMb, viaGateway, type BenchContext } from './context.js';
import { fmt, interleaved, percentile, row } from './stats.js';

const SERVERS = 50;
/** How many containers are started at once: enough to be quick, few enough for 2 cores. */
const STARTING = 5;
const ROUNDS = 6;
const PER_ROUND = 5;
const GOAL_LIST_MS = 10;
const GOAL_RSS_MB = 150;

async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

/** tools/list over plain fetch on a 2025 session of the gateway: its time with no SDK client parsing the 1 MB answer. */
async function rawLister(endpoint: Target): Promise<() => Promise<number>> {
  if (endpoint.kind !== 'http') throw new Error('the aggregate endpoint is HTTP');
  const headers: Record<string, string> = { ...endpoint.headers, 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  const post = (body: unknown) => fetch(endpoint.url, { method: 'POST', headers, body: JSON.stringify(body) });
  const init = await post({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'berth-bench', version: '1' } } });
  await init.text();
  headers['mcp-session-id'] = init.headers.get('mcp-session-id') ?? '';
  headers['mcp-protocol-version'] = '2025-11-25';
  await (await post({ jsonrpc: '2.0', method: 'notifications/initialized' })).text();
  let id = 1;
  return async () => {
    const t0 = performance.now();
    const text = await (await post({ jsonrpc: '2.0', id: id++, method: 'tools/list' })).text();
    if (!text.includes('"tools"')) throw new Error(`the gateway answered tools/list with ${text.slice(0, 200)}`);
    return performance.now() - t0;
  };
}

const toolCount = (r: unknown) => (r as { tools: unknown[] }).tools.length;

export async function fleetBench(ctx: BenchContext): Promise<void> {
  const names = Array.from({ length: SERVERS }, (_, i) => `fleet${String(i).padStart(2, '0')}`);
  const pid = await daemonPid(ctx);
  const rssBefore = await daemonRssMb(pid);
  const daemon = await connectDaemon(berthPaths(ctx.env), 'bench');
  const direct: BenchClient[] = [];
  let agg: BenchClient | undefined;
  try {
    const t0 = performance.now();
    // Added one at a time: concurrent servers/add requests lost servers here (the daemon then knew only some).
    for (const name of names) await daemon.request(M.ServersAdd, { name, catalog: 'everything' });
    await inBatches(names, STARTING, (name) => daemon.request(M.ServersStart, { name }));
    const startSeconds = (performance.now() - t0) / 1000;
    const rssIdle = await daemonRssMb(pid);

    const endpoint = await viaGateway(ctx, '--servers', names.join(','));
    agg = await connect('v2-legacy', endpoint);
    const rawList = await rawLister(endpoint);
    await inBatches(names, STARTING, async () => direct.push(await connect('v2-legacy', { kind: 'stdio', ...dockerRunStdio(ctx.images.everything) }, { askable: true })));
    const aggTools = toolCount(await agg.list());
    const directTools = (await Promise.all(direct.map((c) => c.list()))).reduce((n: number, r) => n + toolCount(r), 0);
    const a = agg;
    const t = await interleaved(ROUNDS, PER_ROUND, () => Promise.all(direct.map((c) => c.list())), () => a.list());
    const raw: number[] = [];
    for (let i = 0; i < ROUNDS * PER_ROUND; i++) raw.push(await rawList());
    const rssAfter = await daemonRssMb(pid);
    // The metrics history's budget: fixed per server, whatever the servers do.
    const history = await daemon.request(MetricsHistory, { name: names[0] });

    console.log(`\n## ${SERVERS} running everything servers (started through the daemon ${STARTING} at a time in ${startSeconds.toFixed(0)} s)\n`);
    console.log(`tools/list, warm: one aggregate request (${aggTools} tools) vs ${SERVERS} direct stdio connections listing in parallel (${directTools} tools), SDK v2 client (legacy), ${ROUNDS}×${PER_ROUND} a side`);
    console.log(row('p50', percentile(t.berth, 50), percentile(t.base, 50), { maxMs: GOAL_LIST_MS }));
    console.log(row('p95', percentile(t.berth, 95), percentile(t.base, 95)));
    console.log(`  the same request as raw HTTP, no client-side parsing (the gateway's share): p50 ${fmt(percentile(raw, 50))}, p95 ${fmt(percentile(raw, 95))}`);
    console.log(`\nDaemon RSS (VmRSS): ${rssBefore.toFixed(0)} MB with 2 servers; ${rssIdle.toFixed(0)} MB with ${SERVERS + 2} idle servers   goal ≤ ${GOAL_RSS_MB} MB: ${rssIdle <= GOAL_RSS_MB ? 'met' : 'MISSED'}; ${rssAfter.toFixed(0)} MB after the lists above`);
    console.log(`Metrics history: ${(history.bytesPerServer / 1024).toFixed(0)} KiB per server (${history.slots} samples of ${history.resolutionMs / 1000} s: the last hour), ${((history.bytesPerServer * (SERVERS + 2)) / 1024 / 1024).toFixed(1)} MiB for ${SERVERS + 2} servers, fixed`);
  } finally {
    await Promise.all([...(agg ? [agg] : []), ...direct].map((c) => c.close().catch(() => undefined)));
    for (const name of names) await daemon.request(M.ServersRemove, { name }).catch(() => undefined);
    daemon.close();
  }
}
