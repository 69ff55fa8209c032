/**
 * Large tool results (the bench server's `blob`): 1, 5 and 10 MiB through `berth connect` and the
 * gateway, each beside the same server reached directly over the same transport kind, to show
 * time growing linearly with size. The stdio clients raise the SDKs' default 10 MiB message limit
 * (a 10 MiB result is a message just over it); what that default does is probed on its own.
 */
import { connect, type BenchClient, type Target } from './clients.js';
import { dockerRunStdio, startHttpContainer } from './containers.js';
import { viaConnect, viaGateway, type BenchContext } from './context.js';
import { fmt, median, row } from './stats.js';

const MIB = 1024 * 1024;
const SIZES = [1, 5, 10];
const ROUNDS = 3;
const BIG_BUFFER = 64 * MIB;

async function compare(title: string, base: Target, berth: Target): Promise<void> {
  const clients: BenchClient[] = [];
  try {
    const b = await connect('v2-legacy', base, { maxBufferSize: BIG_BUFFER });
    clients.push(b);
    const o = await connect('v2-legacy', berth, { maxBufferSize: BIG_BUFFER });
    clients.push(o);
    console.log(`${title} (median of ${ROUNDS} interleaved calls a side and size)`);
    for (const mib of SIZES) {
      const t = { base: [] as number[], berth: [] as number[] };
      for (let r = 0; r < ROUNDS; r++) {
        for (const [side, c] of r % 2 ? ([['berth', o], ['base', b]] as const) : ([['base', b], ['berth', o]] as const)) {
          const t0 = performance.now();
          const res = (await c.call('blob', { bytes: mib * MIB })) as { content: { text: string }[] };
          t[side].push(performance.now() - t0);
          if (res.content[0]?.text.length !== mib * MIB) throw new Error(`${side} returned ${res.content[0]?.text.length} bytes, not ${mib * MIB}`);
        }
      }
      const berthMs = median(t.berth);
      const baseMs = median(t.base);
      console.log(`${row(`${mib} MiB`.padEnd(6), berthMs, baseMs)}   per MiB: berth ${fmt(berthMs / mib)}, base ${fmt(baseMs / mib)}`);
    }
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  }
}

/** What a stdio client left at the SDK's default limit gets for a 10 MiB result. */
async function defaultLimit(what: string, target: Target): Promise<string> {
  const c = await connect('v2-legacy', target);
  try {
    const call = c.call('blob', { bytes: 10 * MIB }).then(
      () => 'received it',
      (e: unknown) => `failed: ${e instanceof Error ? e.message : String(e)}`,
    );
    // The SDK drops an oversize message without failing the call; the call then waits forever.
    const silence = new Promise<string>((resolve) => setTimeout(() => resolve('no answer within 20 s (the oversize message was dropped)'), 20_000).unref());
    return `  ${what}: ${await Promise.race([call, silence])}`;
  } finally {
    await c.close().catch(() => undefined);
  }
}

export async function largeBench(ctx: BenchContext): Promise<void> {
  console.log('\n## Large tool results (bench server `blob`, SDK v2 client (legacy), stdio clients with a 64 MiB message limit)\n');
  await compare('stdio: berth connect vs docker run -i', { kind: 'stdio', ...dockerRunStdio(ctx.images.bench) }, viaConnect(ctx, 'bench'));
  const http = await startHttpContainer(ctx.images.bench, ['--http', '0']);
  try {
    await compare("Streamable HTTP: gateway vs the server's own endpoint", { kind: 'http', url: http.url }, await viaGateway(ctx, 'bench'));
  } finally {
    await http.stop();
  }
  console.log('A 10 MiB result to an SDK v2 stdio client at its default 10 MiB message limit:');
  console.log(await defaultLimit('docker run -i', { kind: 'stdio', ...dockerRunStdio(ctx.images.bench) }));
  console.log(await defaultLimit('berth connect', viaConnect(ctx, 'bench')));
}
