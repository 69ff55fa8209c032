import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { Server as McpServer } from '@modelcontextprotocol/sdk/server/index.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { createProxyServer, type McpBackend } from '../mcp/proxyServer.js';
import { ServerName } from '../protocol/spec.js';
import type { Registry } from '../servers/registry.js';
import { aggregateBackend, supervisorBackend, type Selection } from './backends.js';
import { checkRequest } from './guard.js';
import { admit, type Admission, type SessionUse } from './sessionCaps.js';
import { SessionTransport } from './sessionTransport.js';

/** Request bodies above this are refused with 413 before they are read any further. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** Sessions a client forgot to close are dropped after this long without a request. */
const IDLE_SESSION_MS = 30 * 60 * 1000;

interface Session {
  endpoint: string;
  /** The name the client declared in `initialize`, which the per-client cap counts by. */
  client: string;
  transport: SessionTransport;
  server: McpServer;
  backend: McpBackend;
  lastSeen: number;
  lastTools: string;
}

/**
 * Streamable HTTP on loopback: `/mcp/NAME` per server and `/mcp` for the aggregate endpoint,
 * every request authenticated. Each client session is a proxy onto the server's one shared
 * session with its container.
 */
export class Gateway {
  private readonly sessions = new Map<string, Session>();
  /** Sessions admitted whose `initialize` is still being answered: they count against the caps. */
  private readonly opening = new Set<SessionUse>();
  private http: http.Server | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  port = 0;

  constructor(
    private readonly registry: Registry,
    readonly token: string,
    /** Replaces known secret values in everything clients get, as the daemon API does. */
    private readonly redact: (text: string) => string = (text) => text,
  ) {}

  async listen(port: number): Promise<number> {
    const server = http.createServer((req, res) => {
      this.handle(req, res).catch((e: Error) => {
        // A server that failed to start may have quoted its token in the reason.
        if (!res.headersSent) refuse(res, 500, this.redact(e.message));
        else res.end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : port;
    this.http = server;
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
    return this.port;
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const s of this.sessions.values()) void s.transport.close().catch(() => undefined);
    this.sessions.clear();
    this.http?.closeAllConnections();
    this.http?.close();
  }

  url(name?: string): string {
    return `http://127.0.0.1:${this.port}/mcp${name ? `/${name}` : ''}`;
  }

  /** Servers changed: tell each session whose tool list moved. */
  serversChanged(): void {
    for (const s of this.sessions.values()) {
      let tools: string;
      try {
        tools = JSON.stringify(s.backend.capabilities().tools);
      } catch {
        continue;
      }
      if (tools !== s.lastTools) {
        s.lastTools = tools;
        void s.server.sendToolListChanged().catch(() => undefined);
      }
    }
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/health' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true }));
      return;
    }
    const refusal = checkRequest(req.headers, this.port, this.token);
    if (refusal) return refuse(res, refusal.status, refusal.message, refusal.headers);

    const endpoint = parseEndpoint(url);
    if (endpoint === 'malformed') return refuse(res, 400, `the path ${url.pathname} has malformed percent-encoding`);
    if (!endpoint) return refuse(res, 404, `no such endpoint ${url.pathname}; use /mcp/NAME or /mcp`);
    if (endpoint.server && !this.registry.has(endpoint.server)) return refuse(res, 404, `there is no server named "${endpoint.server}"`);

    let body: unknown;
    if (req.method === 'POST') {
      const read = await readBody(req, MAX_BODY_BYTES);
      if (read === undefined) {
        refuse(res, 413, `request body over ${MAX_BODY_BYTES} bytes`, { connection: 'close' });
        return;
      }
      try {
        body = JSON.parse(read);
      } catch (e) {
        return rpcError(res, 400, -32700, `Parse error: ${(e as Error).message}`);
      }
    }

    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const session = this.sessions.get(sessionId);
      if (!session || session.endpoint !== endpoint.key) return rpcError(res, 404, -32001, 'Session not found; start a new one with initialize');
      session.lastSeen = Date.now();
      await session.transport.handleRequest(req, res, body);
      return;
    }
    if (req.method !== 'POST' || !isInitializeRequest(body)) {
      return rpcError(res, 400, -32000, 'Bad Request: no session id; the first request must be initialize');
    }
    const client = body.params.clientInfo.name;
    const admission = this.checkCaps(client);
    if (!admission.admit) return rpcError(res, 429, -32000, admission.message, { 'retry-after': String(admission.retryAfterSeconds) });
    const slot: SessionUse = { id: '', client, lastSeen: Date.now(), busy: true };
    this.opening.add(slot);
    try {
      const backend = await this.backendFor(endpoint);
      await this.open(endpoint.key, client, backend, req, res, body);
    } finally {
      this.opening.delete(slot);
    }
  }

  /** Checks the session caps for a new session of `client`, closing a forgotten session to make room when there is one. */
  private checkCaps(client: string): Admission {
    const uses = [...this.sessions].map(([id, s]): SessionUse => ({ id, client: s.client, lastSeen: s.lastSeen, busy: s.transport.busy }));
    const admission = admit([...uses, ...this.opening], client, Date.now());
    if (admission.admit && admission.reclaim) this.drop(admission.reclaim);
    return admission;
  }

  private drop(id: string): void {
    const s = this.sessions.get(id);
    this.sessions.delete(id);
    void s?.transport.close().catch(() => undefined);
  }

  private async backendFor(endpoint: Endpoint): Promise<McpBackend> {
    if (endpoint.server) {
      const sup = this.registry.get(endpoint.server);
      if (!sup.capabilities || !sup.running) await sup.start();
      return supervisorBackend(sup);
    }
    return aggregateBackend(() => this.registry.all(), endpoint.selection);
  }

  private async open(key: string, client: string, backend: McpBackend, req: http.IncomingMessage, res: http.ServerResponse, body: unknown): Promise<void> {
    const server = createProxyServer(backend);
    const transport: SessionTransport = new SessionTransport(this.redact, {
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        this.sessions.set(id, { endpoint: key, client, transport, server, backend, lastSeen: Date.now(), lastTools: JSON.stringify(backend.capabilities().tools) });
      },
      onsessionclosed: (id) => {
        this.sessions.delete(id);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) this.sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  }

  private sweep(): void {
    const cutoff = Date.now() - IDLE_SESSION_MS;
    for (const [id, s] of this.sessions) if (s.lastSeen < cutoff) this.drop(id);
  }
}

interface Endpoint {
  key: string;
  server?: string;
  selection: Selection;
}

function parseEndpoint(url: URL): Endpoint | 'malformed' | undefined {
  const m = /^\/mcp(?:\/([^/]+))?\/?$/.exec(url.pathname);
  if (!m) return undefined;
  if (m[1] !== undefined) {
    let name: string;
    try {
      name = decodeURIComponent(m[1]);
    } catch {
      return 'malformed';
    }
    return ServerName.safeParse(name).success ? { key: `server:${name}`, server: name, selection: {} } : undefined;
  }
  const list = (p: string) => url.searchParams.get(p)?.split(',').map((s) => s.trim()).filter(Boolean);
  const selection: Selection = { servers: list('servers'), tools: list('tools') };
  return { key: `aggregate:${url.search}`, selection };
}

/**
 * Reads a body up to `max` bytes. A larger one is drained unread (so the client gets to read our
 * 413 instead of a reset) up to a hard cap, past which the connection is cut. Undefined when
 * it is over `max`.
 */
function readBody(req: http.IncomingMessage, max: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= max) chunks.push(chunk);
      else if (size > max * 16) req.destroy();
    });
    req.on('end', () => resolve(size > max ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function refuse(res: http.ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify({ error: message }));
}

function rpcError(res: http.ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}
