/**
 * Throughput: 10 clients × 1,000 tools/call on one server, calls/s through the gateway and
 * through `berth connect`, each beside the direct figure over the same transport kind. All
 * clients live in this one process, which shares the machine's cores with what it measures.
 */
import { connect, type BenchClient, type Target } from './clients.js';
import { dockerRunStdio, startHttpContainer } from './containers.js';
import { daemonCpuMs, daemonPid, viaConnect, viaGateway, type BenchContext } from './context.js';

const CLIENTS = 10;
const CALLS = 1000;

/** Calls/s of CLIENTS callers each making CALLS calls in a row, all at once. */
async function callsPerSecond(callers: BenchClient[]): Promise<number> {
  const t0 = performance.now();
  await Promise.all(
    callers.map(async (c) => {
      for (let i = 0; i < CALLS; i++) await c.call('echo', { message: 'x' });
    }),
  );
  return (CLIENTS * CALLS) / ((performance.now() - t0) / 1000);
}

async function measure(targets: Target[]): Promise<number> {
  const clients = await Promise.all(targets.map((t) => connect('v2-legacy', t)));
  try {
    for (const c of clients) await c.call('echo', { message: 'warm' });
    // A stdio server has one client: the callers share its one connection.
    return await callsPerSecond(targets.length === 1 ? Array.from({ length: CLIENTS }, () => clients[0]!) : clients);
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  }
}

function line(what: string, berth: number, base: number, daemonMsPerCall: number): string {
  return `  ${what}\n    berth ${berth.toFixed(0).padStart(6)} calls/s   base ${base.toFixed(0).padStart(6)} calls/s   ratio ${(berth / base).toFixed(2)} (higher is better); daemon CPU ${daemonMsPerCall.toFixed(3)} ms a call`;
}

/** Berth's calls/s, and the daemon's CPU time per call while they ran (warm-up calls included). */
async function measureBerth(ctx: BenchContext, targets: Target[]): Promise<[number, number]> {
  const pid = await daemonPid(ctx);
  const cpu0 = await daemonCpuMs(pid);
  const rate = await measure(targets);
  return [rate, ((await daemonCpuMs(pid)) - cpu0) / (CLIENTS * CALLS + targets.length)];
}

export async function throughputBench(ctx: BenchContext): Promise<void> {
  console.log(`\n## Throughput: ${CLIENTS} clients × ${CALLS.toLocaleString('en')} tools/call echo on one everything server, SDK v2 client (legacy)\n`);
  const http = await startHttpContainer(ctx.images.everything, ['streamableHttp']);
  try {
    const gateway = await viaGateway(ctx, 'ev');
    const base = await measure(Array.from({ length: CLIENTS }, () => ({ kind: 'http', url: http.url }) as const));
    const [berth, cpu] = await measureBerth(ctx, Array.from({ length: CLIENTS }, () => gateway));
    console.log(line(`gateway (${CLIENTS} HTTP sessions) vs the server's own HTTP endpoint (${CLIENTS} sessions)`, berth, base, cpu));
  } finally {
    await http.stop();
  }
  const direct: Target = { kind: 'stdio', ...dockerRunStdio(ctx.images.everything) };
  const base = await measure([direct]);
  const [berth, cpu] = await measureBerth(ctx, Array.from({ length: CLIENTS }, () => viaConnect(ctx, 'ev')));
  console.log(line(`berth connect (${CLIENTS} processes, one container) vs docker run -i (one stdio connection shared by ${CLIENTS} callers: stdio serves one client)`, berth, base, cpu));
}
