/**
 * 50 running servers: tools/list through the aggregate endpoint (warm) beside 50 direct stdio
 * connections listing in parallel, and the daemon's resident memory with the 50 idle.
 */
import { readFile } from 'node:fs/promises';
import { connectDaemon } from '../../daemon/client/client.js';
import { berthPaths } from '../../daemon/protocol/paths.js';
import * as M from '../../daemon/protocol/methods.js';
import { connect, type BenchClient } from './clients.js';
import { dockerRunStdio } from './containers.js';
import { viaGateway, type BenchContext } from './context.js';
import { interleaved, percentile, row } from './stats.js';

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

/** The daemon's resident set, from /proc (Linux), in MB. */
async function daemonRssMb(ctx: BenchContext): Promise<number> {
  const pid = (JSON.parse((await ctx.berth('status', '--json')).stdout) as { daemon: { pid: number } }).daemon.pid;
  const kb = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (!kb) throw new Error(`no VmRSS for the daemon (pid ${pid})`);
  return Number(kb) / 1024;
}

const toolCount = (r: unknown) => (r as { tools: unknown[] }).tools.length;

export async function fleetBench(ctx: BenchContext): Promise<void> {
  const names = Array.from({ length: SERVERS }, (_, i) => `fleet${String(i).padStart(2, '0')}`);
  const rssBefore = await daemonRssMb(ctx);
  const daemon = await connectDaemon(berthPaths(ctx.env), 'bench');
  const direct: BenchClient[] = [];
  let agg: BenchClient | undefined;
  try {
    const t0 = performance.now();
    await inBatches(names, STARTING, (name) => daemon.request(M.ServersAdd, { name, catalog: 'everything', start: true }));
    const startSeconds = (performance.now() - t0) / 1000;
    const rssIdle = await daemonRssMb(ctx);

    agg = await connect('v2-legacy', await viaGateway(ctx, '--servers', names.join(',')));
    await inBatches(names, STARTING, async () => direct.push(await connect('v2-legacy', { kind: 'stdio', ...dockerRunStdio(ctx.images.everything) })));
    const aggTools = toolCount(await agg.list());
    const directTools = (await Promise.all(direct.map((c) => c.list()))).reduce((n: number, r) => n + toolCount(r), 0);
    const a = agg;
    const t = await interleaved(ROUNDS, PER_ROUND, () => Promise.all(direct.map((c) => c.list())), () => a.list());
    const rssAfter = await daemonRssMb(ctx);

    console.log(`\n## ${SERVERS} running everything servers (started through the daemon ${STARTING} at a time in ${startSeconds.toFixed(0)} s)\n`);
    console.log(`tools/list, warm: one aggregate request (${aggTools} tools) vs ${SERVERS} direct stdio connections listing in parallel (${directTools} tools), SDK v2 client (legacy), ${ROUNDS}×${PER_ROUND} a side`);
    console.log(row('p50', percentile(t.berth, 50), percentile(t.base, 50), { maxMs: GOAL_LIST_MS }));
    console.log(row('p95', percentile(t.berth, 95), percentile(t.base, 95)));
    console.log(`\nDaemon RSS (VmRSS): ${rssBefore.toFixed(0)} MB with 2 servers; ${rssIdle.toFixed(0)} MB with ${SERVERS + 2} idle servers   goal ≤ ${GOAL_RSS_MB} MB: ${rssIdle <= GOAL_RSS_MB ? 'met' : 'MISSED'}; ${rssAfter.toFixed(0)} MB after the lists above`);
  } finally {
    await Promise.all([...(agg ? [agg] : []), ...direct].map((c) => c.close().catch(() => undefined)));
    await inBatches(names, STARTING, (name) => daemon.request(M.ServersRemove, { name }).catch(() => undefined));
    daemon.close();
  }
}
