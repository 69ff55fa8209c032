/**
 * Gateway part of `npm run bench`: per-call latency through the gateway beside a direct stdio
 * connection to a container of the same image, and tools/list of 10 servers through the
 * aggregate endpoint beside 10 direct stdio connections, all measured in the same run.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

type Berth = (...args: string[]) => Promise<{ stdout: string }>;

const CALLS = 300;
const LISTS = 20;
const SERVERS = 10;

async function httpClient(berth: Berth, ...endpointArgs: string[]): Promise<Client> {
  const e = JSON.parse((await berth('endpoint', ...endpointArgs, '--json')).stdout) as { url: string; headers: Record<string, string> };
  const c = new Client({ name: 'bench', version: '1' });
  await c.connect(new StreamableHTTPClientTransport(new URL(e.url), { requestInit: { headers: e.headers } }));
  return c;
}

async function stdioClient(image: string): Promise<Client> {
  const c = new Client({ name: 'bench', version: '1' });
  await c.connect(new StdioClientTransport({ command: 'docker', args: ['run', '-i', '--rm', '--network', 'none', image], stderr: 'ignore' }));
  return c;
}

async function mean(n: number, fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.min(20, n); i++) await fn();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  return (performance.now() - t0) / n;
}

export async function gatewayBench(berth: Berth, image: string): Promise<[string, number, number][]> {
  const names = Array.from({ length: SERVERS }, (_, i) => `agg${i}`);
  const direct: Client[] = [];
  const viaGateway: Client[] = [];
  try {
    const gw = await httpClient(berth, 'ev');
    viaGateway.push(gw);
    const one = await stdioClient(image);
    direct.push(one);
    const gwCall = await mean(CALLS, () => gw.callTool({ name: 'echo', arguments: { message: 'x' } }));
    const directCall = await mean(CALLS, () => one.callTool({ name: 'echo', arguments: { message: 'x' } }));

    for (const n of names) await berth('add', n, '--catalog', 'everything', '--start');
    const agg = await httpClient(berth, '--servers', names.join(','));
    viaGateway.push(agg);
    for (let i = 1; i < SERVERS; i++) direct.push(await stdioClient(image));
    const aggList = await mean(LISTS, () => agg.listTools());
    const directList = await mean(LISTS, () => Promise.all(direct.map((c) => c.listTools())));
    return [
      [`tools/call echo through the gateway (HTTP) vs direct stdio (${CALLS} calls)`, gwCall, directCall],
      [`tools/list of ${SERVERS} servers: one aggregate request vs ${SERVERS} direct stdio connections in parallel`, aggList, directList],
    ];
  } finally {
    await Promise.all([...direct, ...viaGateway].map((c) => c.close().catch(() => undefined)));
    for (const n of names) await berth('rm', n).catch(() => undefined);
  }
}
