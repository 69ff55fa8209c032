import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';

/** The shape the MCP SDK's HTTP transports take as `fetch`. */
export type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>;

/**
 * `fetch` through a Node agent of the caller's making, where the global fetch cannot go: an SSH
 * host's forwarded channels, or a remote server's own CA. Responses stream (Streamable HTTP's SSE).
 */
export function agentFetch(agent: http.Agent | https.Agent): FetchLike {
  return (url, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      const body = init.body ?? undefined;
      if (body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array)) {
        reject(new Error('this fetch sends string or byte bodies only'));
        return;
      }
      const target = new URL(url);
      const headers = Object.fromEntries(new Headers(init.headers).entries());
      const request = target.protocol === 'https:' ? https.request : http.request;
      const req = request(target, { method: init.method ?? 'GET', headers, agent, signal: init.signal ?? undefined }, (res) => {
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
