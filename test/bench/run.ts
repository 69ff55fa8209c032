/**
 * `npm run bench`: Berth beside a baseline measured in the same run, as ratios. Never gates tests.
 *
 *  1. cold start to a tools/list answer: `berth start` + `berth tools` vs `docker run -i --rm`
 *     of the same image with a bare MCP client;
 *  2. per-call latency of tools/call (echo): through the daemon (the API the CLI and the
 *     extension use), through `berth connect` (what MCP clients spawn), and a direct stdio
 *     connection to a container of the same image.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { connectDaemon } from '../../daemon/client/client.js';
import { berthPaths } from '../../daemon/protocol/paths.js';
import * as M from '../../daemon/protocol/methods.js';
import { findCatalogEntry } from '../../daemon/servers/catalog.js';
import { gatewayBench } from './gateway.js';
import { remoteBench } from './remote.js';

const run = promisify(execFile);
const BERTH = path.resolve('dist', 'berth.js');
const IMAGE = findCatalogEntry('everything')!.spec.image;
const ROUNDS = 5;
const CALLS = 300;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const fmt = (ms: number) => `${ms.toFixed(ms < 10 ? 3 : 1)} ms`;

async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function bareClient(command: string, args: string[], env?: Record<string, string>): Promise<Client> {
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(new StdioClientTransport({ command, args, env, stderr: 'ignore' }));
  return client;
}

async function perCall(call: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 20; i++) await call(); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < CALLS; i++) await call();
  return (performance.now() - t0) / CALLS;
}

async function main(): Promise<void> {
  const home = await mkdtemp(path.join(os.tmpdir(), 'berth-bench-'));
  const env = { ...process.env, BERTH_HOME: home } as Record<string, string>;
  const berth = (...args: string[]) => run(process.execPath, [BERTH, ...args], { env });
  try {
    await berth('add', 'ev', '--catalog', 'everything');
    await berth('build', 'ev');

    const berthStart: number[] = [];
    const dockerRun: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      berthStart.push(await timeIt(async () => {
        await berth('start', 'ev');
        await berth('tools', 'ev');
      }));
      await berth('stop', 'ev');
      dockerRun.push(await timeIt(async () => {
        const c = await bareClient('docker', ['run', '-i', '--rm', '--network', 'none', IMAGE]);
        await c.listTools();
        await c.close();
      }));
    }

    await berth('start', 'ev');
    const daemon = await connectDaemon(berthPaths(env), 'bench');
    const viaDaemon = await perCall(() => daemon.request(M.ServersCallTool, { name: 'ev', tool: 'echo', arguments: { message: 'x' } }));
    daemon.close();
    const bridge = await bareClient(process.execPath, [BERTH, 'connect', 'ev'], env);
    const viaConnect = await perCall(() => bridge.callTool({ name: 'echo', arguments: { message: 'x' } }));
    await bridge.close();
    const direct = await bareClient('docker', ['run', '-i', '--rm', '--network', 'none', IMAGE]);
    const viaDirect = await perCall(() => direct.callTool({ name: 'echo', arguments: { message: 'x' } }));
    await direct.close();

    const rows: [string, number, number][] = [
      [`start → tools/list (median of ${ROUNDS}): berth start+tools vs docker run -i + bare client`, median(berthStart), median(dockerRun)],
      [`tools/call echo via the daemon API vs direct stdio (${CALLS} calls)`, viaDaemon, viaDirect],
      [`tools/call echo via berth connect vs direct stdio (${CALLS} calls)`, viaConnect, viaDirect],
      ...(await gatewayBench(berth, IMAGE)),
    ];
    console.log('\nBerth benchmark (ratio = Berth / baseline, same run; lower is better)\n');
    for (const [what, ours, base] of rows) console.log(`${what}\n  berth ${fmt(ours)}   baseline ${fmt(base)}   ratio ${(ours / base).toFixed(2)}\n`);
    const launch: number[] = [];
    for (let i = 0; i < ROUNDS; i++) launch.push(await timeIt(() => berth('--version')));
    console.log(`Note: berth start+tools includes two CLI process launches (${fmt(median(launch))} each, measured now); the container is reused, not recreated.`);
    await remoteBench();
  } finally {
    await berth('rm', 'ev').catch(() => undefined);
    const pid = await berth('status', '--json').then((r) => (JSON.parse(r.stdout) as { daemon: { pid: number } }).daemon.pid).catch(() => undefined);
    if (pid) process.kill(pid, 'SIGTERM');
    await rm(home, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(`bench failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
