/**
 * Per-call latency of tools/call `echo`, Berth beside the same server reached directly with the
 * same client over the same transport kind, interleaved: `berth connect` vs `docker run -i` of the
 * image (stdio), and the gateway vs the server's own Streamable HTTP endpoint in a container.
 */
import { connect, SDK_LABEL, type BenchClient, type Sdk, type Target } from './clients.js';
import { dockerRunStdio, startHttpContainer } from './containers.js';
import { viaConnect, viaGateway, type BenchContext } from './context.js';
import { interleaved, percentile, row } from './stats.js';

const ROUNDS = 10;
const PER_ROUND = 100;
/** The goal: Berth adds at most this much to the median call. */
export const GOAL_DIFF_MS = 0.25;

async function compare(title: string, sdk: Sdk, base: Target, berth: Target): Promise<void> {
  const clients: BenchClient[] = [];
  try {
    const b = await connect(sdk, base);
    clients.push(b);
    const o = await connect(sdk, berth);
    clients.push(o);
    const echo = (c: BenchClient) => () => c.call('echo', { message: 'x' });
    const t = await interleaved(ROUNDS, PER_ROUND, echo(b), echo(o));
    const eras = sdk === 'v1' ? '' : `; negotiated: berth ${o.version()}, base ${b.version()}`;
    console.log(`${title}, ${SDK_LABEL[sdk]} (${ROUNDS}×${PER_ROUND} calls a side${eras})`);
    console.log(row('p50', percentile(t.berth, 50), percentile(t.base, 50), { maxDiffMs: GOAL_DIFF_MS }));
    console.log(row('p95', percentile(t.berth, 95), percentile(t.base, 95)));
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  }
}

/** `ev` runs `everything` and `bench` the bench server in the Berth home of `ctx`. */
export async function latencyBench(ctx: BenchContext): Promise<void> {
  console.log(`\n## Per-call tools/call echo (interleaved rounds; difference = Berth − base, goal ≤ +${GOAL_DIFF_MS} ms p50)\n`);
  for (const sdk of ['v1', 'v2-legacy'] as const) {
    const stdio = dockerRunStdio(ctx.images.everything);
    await compare('everything, stdio: berth connect vs docker run -i', sdk, { kind: 'stdio', ...stdio }, viaConnect(ctx, 'ev'));
  }
  const evHttp = await startHttpContainer(ctx.images.everything, ['streamableHttp']);
  try {
    for (const sdk of ['v1', 'v2-legacy'] as const) {
      await compare("everything, Streamable HTTP: gateway vs the server's own endpoint", sdk, { kind: 'http', url: evHttp.url }, await viaGateway(ctx, 'ev'));
    }
  } finally {
    await evHttp.stop();
  }
  console.log("everything, Streamable HTTP, SDK v2 client (auto): no base: everything's own endpoint is SDK v1 and speaks only the 2025 revisions, not 2026-07-28.");
  const benchHttp = await startHttpContainer(ctx.images.bench, ['--http', '0']);
  try {
    await compare("bench server (SDK v2, both eras), Streamable HTTP: gateway vs the server's own endpoint", 'v2-auto', { kind: 'http', url: benchHttp.url }, await viaGateway(ctx, 'bench'));
  } finally {
    await benchHttp.stop();
  }
}
