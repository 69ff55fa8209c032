import http from 'node:http';
import { Readable, type Duplex } from 'node:stream';
import type { SshConnection } from './connection.js';

/** The shape the MCP SDK's HTTP transports take as `fetch`. */
export type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>;

/**
 * `fetch` for addresses on an SSH host's side: each request rides a forwarded channel on the
 * host's one connection, to the container's own address, so an HTTP server there is reached
 * with no port published on any interface.
 */
export function fetchOverSsh(connection: SshConnection): FetchLike {
  const agent = new http.Agent({ keepAlive: false });
  agent.createConnection = (options: { host?: string; port?: number | string }, callback: (err: Error | null, socket?: Duplex) => void) => {
    connection.forward(options.host ?? '127.0.0.1', Number(options.port ?? 80)).then(
      (channel) => callback(null, Object.assign(channel, { setKeepAlive: () => channel, setNoDelay: () => channel, setTimeout: () => channel, ref: () => channel, unref: () => channel })),
      (e: Error) => callback(e),
    );
    return undefined;
  };

  return (url, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      const body = init.body ?? undefined;
      if (body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array)) {
        reject(new Error('fetchOverSsh sends string or byte bodies only'));
        return;
      }
      const headers = Object.fromEntries(new Headers(init.headers).entries());
      const req = http.request(new URL(url), { method: init.method ?? 'GET', headers, agent, signal: init.signal ?? undefined }, (res) => {
        const out = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out.set(k, Array.isArray(v) ? v.join(', ') : v);
        const empty = res.statusCode === 204 || res.statusCode === 304 || init.method === 'HEAD';
        if (empty) res.resume();
        resolve(new Response(empty ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), { status: res.statusCode, statusText: res.statusMessage, headers: out }));
      });
      req.once('error', reject);
      req.end(body);
    });
}
