/**
 * `npm run bench`: Berth beside a baseline measured in the same run (same client, same transport
 * kind, interleaved where it is per call), with the difference and the ratio. Never gates tests.
 *
 *  1. cold start to a tools/list answer, and per-call latency through the daemon's own API;
 *  2. per-call tools/call latency, p50 and p95, through `berth connect` and the gateway, with an
 *     SDK v1 client, an SDK v2 client (legacy) and, where the base speaks it, SDK v2 in 2026-07-28;
 *  3. throughput of 10 clients × 1,000 calls on one server;
 *  4. tools/list through the aggregate endpoint over 50 running servers, and the daemon's RSS;
 *  5. 1, 5 and 10 MiB tool results;
 *  6. the Docker API over SSH to a remote host.
 * Sized to finish in about ten minutes on a 2-core machine: the round counts are in each part.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { connectDaemon } from '../../daemon/client/client.js';
import { berthPaths } from '../../daemon/protocol/paths.js';
import * as M from '../../daemon/protocol/methods.js';
import { connect } from './clients.js';
import { BENCH_LABEL, dockerRunStdio } from './containers.js';
import { BERTH, type BenchContext } from './context.js';
import { fleetBench } from './fleet.js';
import { ensureBenchImages } from './images.js';
import { largeBench } from './large.js';
import { latencyBench } from './latency.js';
import { remoteBench } from './remote.js';
import { fmt, interleaved, median, percentile, row, timeIt } from './stats.js';
import { throughputBench } from './throughput.js';

const run = promisify(execFile);
const ROUNDS = 5;

/** Part 1: what the CLI and the extension see. */
async function daemonBench(ctx: BenchContext): Promise<void> {
  const { berth } = ctx;
  const berthStart: number[] = [];
  const dockerRun: number[] = [];
  await berth('stop', 'ev');
  for (let i = 0; i < ROUNDS; i++) {
    berthStart.push(await timeIt(async () => {
      await berth('start', 'ev');
      await berth('tools', 'ev');
    }));
    await berth('stop', 'ev');
    dockerRun.push(await timeIt(async () => {
      const c = await connect('v1', { kind: 'stdio', ...dockerRunStdio(ctx.images.everything) });
      await c.list();
      await c.close();
    }));
  }
  await berth('start', 'ev');
  const launch: number[] = [];
  for (let i = 0; i < ROUNDS; i++) launch.push(await timeIt(() => berth('--version')));

  const daemon = await connectDaemon(berthPaths(ctx.env), 'bench');
  const direct = await connect('v1', { kind: 'stdio', ...dockerRunStdio(ctx.images.everything) });
  try {
    const t = await interleaved(5, 100, () => direct.call('echo', { message: 'x' }), () =>
      daemon.request(M.ServersCallTool, { name: 'ev', tool: 'echo', arguments: { message: 'x' } }),
    );
    console.log('## The daemon (CLI and extension)\n');
    console.log(`start → tools/list, median of ${ROUNDS}: berth start + berth tools vs docker run -i + SDK v1 client`);
    console.log(row('p50', median(berthStart), median(dockerRun)));
    console.log(`  (berth includes two CLI launches of ${fmt(median(launch))} each; the container is reused, not recreated)`);
    console.log('tools/call echo: the daemon API vs docker run -i with an SDK v1 client (5×100 calls a side, interleaved)');
    console.log(row('p50', percentile(t.berth, 50), percentile(t.base, 50)));
    console.log(row('p95', percentile(t.berth, 95), percentile(t.base, 95)));
  } finally {
    daemon.close();
    await direct.close();
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const images = await ensureBenchImages();
  const home = await mkdtemp(path.join(os.tmpdir(), 'berth-bench-'));
  const env = { ...process.env, BERTH_HOME: home, BERTH_PROGRESS: '0' } as Record<string, string>;
  const berth = (...args: string[]) => run(process.execPath, [BERTH, ...args], { env, maxBuffer: 64 * 1024 * 1024 });
  const ctx: BenchContext = { berth, env, images };
  try {
    await berth('add', 'ev', '--catalog', 'everything', '--start');
    await berth('add', 'bench', '--image', images.bench, '--start');
    console.log('\n# Berth benchmark: Berth beside a baseline from the same run (ratio = Berth / base; lower is better unless said)\n');
    await daemonBench(ctx);
    // Before the large results, which grow the daemon's heap: its RSS is read here.
    await fleetBench(ctx);
    await latencyBench(ctx);
    await throughputBench(ctx);
    await largeBench(ctx);
    await remoteBench();
    console.log(`\nbench took ${((performance.now() - started) / 60_000).toFixed(1)} min`);
  } finally {
    for (const name of ['ev', 'bench']) await berth('rm', name).catch(() => undefined);
    const pid = await berth('status', '--json').then((r) => (JSON.parse(r.stdout) as { daemon: { pid: number } }).daemon.pid).catch(() => undefined);
    if (pid) process.kill(pid, 'SIGTERM');
    // A `docker run -i --rm` whose client was killed leaves its container running.
    const left = (await run('docker', ['ps', '-q', '--filter', `label=${BENCH_LABEL}`])).stdout.split('\n').filter(Boolean);
    if (left.length) await run('docker', ['rm', '-f', ...left]).catch(() => undefined);
    await rm(home, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(`bench failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
