// The egress proxy: runs in its own container between a server's isolated network and the
// outside, and opens only what the server's allowlist names. Bundled on its own (esbuild) and
// built into the berth/egress-proxy image; it uses nothing but Node's built-ins.
import { readFileSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import { createServer, request, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { BlockList, connect, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { decide, defaultGateways, parseRules } from './allowlist.js';

const PORT = 3128;
const rules = parseRules(JSON.parse(process.env.BERTH_EGRESS_ALLOW ?? '[]') as string[]);
// The host's gateways: those the daemon read from the engine, and this container's own routes.
const denied = [...new Set([...(JSON.parse(process.env.BERTH_EGRESS_DENY ?? '[]') as string[]), ...defaultGateways(readFileSync('/proc/net/route', 'utf8'))])];
const resolve = async (host: string) => (await lookup(host, { all: true, family: 4 })).map((a) => a.address);
const HOP_BY_HOP = ['connection', 'proxy-connection', 'proxy-authorization', 'keep-alive', 'te', 'trailer', 'upgrade'];

function log(line: string): void {
  process.stderr.write(`egress ${line}\n`);
}

/** `CONNECT host:port`: the tunnel every HTTPS client asks for. */
async function onConnect(req: IncomingMessage, client: Socket, head: Buffer): Promise<void> {
  client.on('error', () => client.destroy());
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(req.url ?? '');
  if (!m) return refuseSocket(client, 400, `CONNECT ${req.url}: expected host:port`);
  const d = await decide(m[1] ?? '', Number(m[2]), rules, denied, resolve);
  if (!d.allow) return refuseSocket(client, 403, `CONNECT ${d.reason}`);
  const upstream = connect(Number(m[2]), d.address);
  upstream.once('connect', () => {
    log(`allowed CONNECT ${req.url} (${d.address})`);
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length) upstream.write(head);
    upstream.pipe(client).pipe(upstream);
  });
  upstream.once('error', (e) => refuseSocket(client, 502, `CONNECT ${req.url}: ${e.message}`));
  client.once('close', () => upstream.destroy());
}

/** A plain-HTTP request in absolute form (`GET http://host/path`). */
async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
  let url: URL;
  try {
    url = new URL(req.url ?? '');
  } catch {
    return refuseResponse(res, 400, `${req.method} ${req.url}: this is a proxy; send absolute http:// URLs or CONNECT`);
  }
  if (url.protocol !== 'http:') return refuseResponse(res, 400, `${req.method} ${url.origin}: use CONNECT for ${url.protocol.slice(0, -1)}`);
  const port = Number(url.port || 80);
  const d = await decide(url.hostname, port, rules, denied, resolve);
  if (!d.allow) return refuseResponse(res, 403, `${req.method} ${d.reason}`);
  const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !HOP_BY_HOP.includes(k)));
  const upstream = request({ host: d.address, port, method: req.method, path: `${url.pathname}${url.search}`, headers: { ...headers, host: url.host } }, (up) => {
    log(`allowed ${req.method} ${url.origin} (${d.address}) ${up.statusCode}`);
    res.writeHead(up.statusCode ?? 502, up.headers);
    up.pipe(res);
  });
  upstream.once('error', (e) => refuseResponse(res, 502, `${req.method} ${url.origin}: ${e.message}`));
  req.pipe(upstream);
}

function refuseSocket(client: Socket, status: number, why: string): void {
  log(`refused ${why}`);
  const body = `Berth egress policy: ${why}\n`;
  client.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

function refuseResponse(res: ServerResponse, status: number, why: string): void {
  log(`refused ${why}`);
  if (res.headersSent) return void res.destroy();
  res.writeHead(status, { 'content-type': 'text/plain', connection: 'close' }).end(`Berth egress policy: ${why}\n`);
}

/** Listens only on the server's isolated network, so nothing on the outside can use the proxy. */
function insideAddress(): string {
  const subnet = (process.env.BERTH_EGRESS_SUBNET ?? '').split('/');
  const inside = new BlockList();
  inside.addSubnet(subnet[0] ?? '', Number(subnet[1]), 'ipv4');
  const found = Object.values(networkInterfaces())
    .flat()
    .find((a) => a?.family === 'IPv4' && inside.check(a.address, 'ipv4'));
  if (!found) throw new Error(`no interface on ${process.env.BERTH_EGRESS_SUBNET}`);
  return found.address;
}

const server = createServer((req, res) => void onRequest(req, res));
server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => void onConnect(req, socket, head));
server.listen(PORT, insideAddress(), () => log(`proxy listening; allowlist: ${rules.map((r) => r.text).join(', ')}; never: ${denied.join(', ')}`));
process.on('SIGTERM', () => process.exit(0));
