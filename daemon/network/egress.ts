import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import * as tarStream from 'tar-stream';
import type { ContainerRuntime, ContainerSummary } from '../hosts/runtime.js';
import { ensureBaseImage, MCP_UID } from '../images/baseImage.js';
import { containerName, LABEL } from '../servers/labels.js';
import { VERSION } from '../protocol/version.js';

/**
 * A server with an egress allowlist sits alone on an isolated network (no route out, no host)
 * with one companion: a proxy container, also on the bridge network, that opens only what the
 * allowlist names. Traffic that does not go through the proxy has nowhere to go.
 */

// Injected by esbuild: the bundled proxy program (daemon/network/egressProxy.ts).
declare const __BERTH_EGRESS_PROXY__: string | undefined;
const PROXY_SOURCE = typeof __BERTH_EGRESS_PROXY__ === 'string' ? __BERTH_EGRESS_PROXY__ : undefined;

/** The name servers find their proxy by, on their own network. */
export const PROXY_ALIAS = 'berth-egress';
const PROXY_URL = `http://${PROXY_ALIAS}:3128`;
/** The network the proxy reaches the outside through: the engine's default bridge. */
const OUTSIDE = 'bridge';

export interface EgressTarget {
  instance: string;
  server: string;
  host: string;
  allow: string[];
}

export function egressNetworkName(instance: string, server: string): string {
  return `${containerName(instance, server)}-egress`;
}

/** What a server's container is given so HTTP clients send their traffic to the proxy. */
export function proxyEnv(): Record<string, string> {
  return {
    HTTP_PROXY: PROXY_URL,
    HTTPS_PROXY: PROXY_URL,
    http_proxy: PROXY_URL,
    https_proxy: PROXY_URL,
    NO_PROXY: 'localhost,127.0.0.1',
    no_proxy: 'localhost,127.0.0.1',
    // Node 22.21+/24 read the variables above only when asked to.
    NODE_USE_ENV_PROXY: '1',
  };
}

/**
 * Makes the server's network and its proxy container match the allowlist. The proxy is not
 * started here: the caller attaches to it first, so not one line of its output is missed.
 */
export async function ensureEgress(rt: ContainerRuntime, t: EgressTarget, onProgress: (line: string) => void): Promise<{ id: string; running: boolean }> {
  const image = await ensureProxyImage(rt, onProgress);
  const network = egressNetworkName(t.instance, t.server);
  const labels = { [LABEL.managed]: 'true', [LABEL.instance]: t.instance, [LABEL.host]: t.host, [LABEL.egressFor]: t.server };
  const { subnet } = await rt.ensureIsolatedNetwork(network, labels);
  const deny = await rt.networkGateways(OUTSIDE);
  const env = { BERTH_EGRESS_ALLOW: JSON.stringify(t.allow), BERTH_EGRESS_DENY: JSON.stringify(deny), BERTH_EGRESS_SUBNET: subnet };
  const hash = createHash('sha256').update(JSON.stringify({ image, env })).digest('hex').slice(0, 16);

  let proxy: ContainerSummary | undefined;
  for (const c of await proxies(rt, t.instance, t.server)) {
    if (c.labels[LABEL.specHash] === hash && !proxy) proxy = c;
    else await rt.remove(c.id);
  }
  const id =
    proxy?.id ??
    (await rt.create({
      name: `${network}-proxy`,
      image,
      labels: { ...labels, [LABEL.specHash]: hash },
      env,
      user: `${MCP_UID}:${MCP_UID}`,
      openStdin: false,
      binds: [],
      tmpfs: { '/tmp': 'rw,noexec,nosuid,size=8m' },
      networkMode: network,
      networkAliases: [PROXY_ALIAS],
      readonlyRootfs: true,
      capDrop: ['ALL'],
      capAdd: [],
      securityOpt: ['no-new-privileges:true'],
      memoryBytes: 64 * 1024 * 1024,
      nanoCpus: 250_000_000,
      pidsLimit: 64,
      init: true,
    }));
  if (!proxy) {
    await rt.connectNetwork(OUTSIDE, id);
    onProgress(`egress proxy for ${t.server} allows ${t.allow.join(', ')}`);
  }
  return { id, running: proxy?.state === 'running' };
}

/** Stops the proxy with its server; the network stays for the next start. */
export async function stopEgress(rt: ContainerRuntime, instance: string, server: string): Promise<void> {
  for (const c of await proxies(rt, instance, server)) await rt.stop(c.id, 2);
}

/** Removes the proxy and the network (a server removed, or no longer allowlisted). */
export async function removeEgress(rt: ContainerRuntime, instance: string, server: string): Promise<void> {
  for (const c of await proxies(rt, instance, server)) await rt.remove(c.id);
  await rt.removeNetwork(egressNetworkName(instance, server));
}

function proxies(rt: ContainerRuntime, instance: string, server: string): Promise<ContainerSummary[]> {
  return rt.listManaged({ [LABEL.managed]: 'true', [LABEL.instance]: instance, [LABEL.egressFor]: server });
}

/** The proxy image, tagged by the program's own hash so a new Berth with a changed proxy rebuilds it. */
async function ensureProxyImage(rt: ContainerRuntime, onProgress: (line: string) => void): Promise<string> {
  if (!PROXY_SOURCE) throw new Error('the egress proxy is only part of a built Berth; run `npm run build` and use dist/berth.js');
  const tag = `berth/egress-proxy:${VERSION}-${createHash('sha256').update(PROXY_SOURCE).digest('hex').slice(0, 12)}`;
  if (await rt.imageExists(tag)) return tag;
  const base = await ensureBaseImage(rt, onProgress);
  onProgress(`building ${tag}`);
  const dockerfile = [`FROM ${base}`, 'COPY proxy.js /berth/proxy.js', `USER ${MCP_UID}:${MCP_UID}`, 'ENTRYPOINT ["node", "/berth/proxy.js"]', ''].join('\n');
  const pack = tarStream.pack();
  pack.entry({ name: 'Dockerfile', mtime: new Date(0) }, dockerfile);
  pack.entry({ name: 'proxy.js', mtime: new Date(0) }, PROXY_SOURCE);
  pack.finalize();
  await rt.build(Readable.from(pack, { objectMode: false }), tag, onProgress);
  return tag;
}
