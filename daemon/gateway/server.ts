import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { toNodeHandler, type NodeMcpRequestHandler } from '@modelcontextprotocol/node';
import { classifyInboundRequest, createMcpHandler, isInitializeRequest, type JSONRPCMessage, type McpHttpHandler, type Server as McpServer } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { daemonLog } from '../daemonLog.js';
import { createModernProxy, createProxyServer, deliverNotification, proxies, type Interest, type McpBackend } from '../mcp/proxyServer.js';
import { ListenSubscriptions, listenedResources } from '../mcp/listenSubscriptions.js';
import { RoundTrips } from '../mcp/roundTrips.js';
import { ServerName } from '../protocol/spec.js';
import type { Registry } from '../servers/registry.js';
import { aggregateBackend, supervisorBackend, type Selection } from './backends.js';
import { checkRequest } from './guard.js';
import { admit, type Admission, type SessionUse } from './sessionCaps.js';
import { SessionTransport } from './sessionTransport.js';
import { TunnelTransport } from './tunnel.js';
import { NO_SECRETS, type TextRedactor } from '../secrets/redact.js';
import { serveMetrics, type MetricsSource } from '../metrics/prometheus.js';
import { traceHeadersIntoMeta } from './traceHeader.js';
import type { BerthServing } from '../berthMcp/serve.js';
import type { McpOpenParams } from '../protocol/tunnel.js';

/** Request bodies above this are refused with 413 before they are read any further. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** Sessions a client forgot to close are dropped after this long without a request. */
const IDLE_SESSION_MS = 30 * 60 * 1000;
/** 2026-07-28 requests the SDK answers before any proxy sees them; any other request a proxy does not serve gets 404 here. */
const SDK_ANSWERS = new Set(['server/discover', 'subscriptions/listen']);
/** Endpoints served to 2026-07-28 clients at once (an aggregate selection is one each); the oldest makes room. */
const MAX_MODERN_ENDPOINTS = 64;

/** What a client last saw of an endpoint's lists, to tell it when they change. */
interface Offered {
  endpoint: string;
  backend: McpBackend;
  tools: string;
  prompts: string;
  resources: string;
}

/** A 2025-era client session. */
interface Session extends Offered {
  /** The name the client declared in `initialize`, which the per-client cap counts by. */
  client: string;
  transport: SessionTransport;
  server: McpServer;
  interest: Interest;
  stopListening(): void;
  lastSeen: number;
}

/** The 2026-07-28 side of one endpoint: stateless, one proxy server per request, list changes on `subscriptions/listen` streams. */
interface Modern extends Offered {
  handler: McpHttpHandler;
  serve: NodeMcpRequestHandler;
  /** The resources its open `subscriptions/listen` streams name, and while there are any, how to stop hearing of their updates. */
  listens: ListenSubscriptions;
  stopWatching?: () => void;
}

/** A `berth connect` client: its proxy servers (one, and a discarded one when the client probes the era first). */
interface Tunnel extends Offered {
  servers: Set<McpServer>;
}

/**
 * Streamable HTTP on loopback: `/mcp/NAME` per server, `/mcp` for the aggregate endpoint and
 * `/berth` for Berth's own tools (outside `/mcp/`, so no server name can clash), every request
 * authenticated. Both MCP eras are served on each endpoint: a 2025-era client gets
 * a session (initialize, Mcp-Session-Id), a 2026-07-28 client is served request by request. Either
 * way it is a proxy onto the server's one shared session with its container.
 */
export class Gateway {
  private readonly sessions = new Map<string, Session>();
  private readonly modern = new Map<string, Modern>();
  private readonly tunnels = new Set<Tunnel>();
  private readonly trips = new RoundTrips();
  /** Listen streams opened over HTTP so far, to tell them apart. */
  private streams = 0;
  /** Sessions admitted whose `initialize` is still being answered: they count against the caps. */
  private readonly opening = new Set<SessionUse>();
  private http: http.Server | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  port = 0;

  constructor(
    private readonly registry: Registry,
    readonly token: string,
    /** Replaces known secret values in everything clients get, as the daemon API does. */
    private readonly redactor: TextRedactor = NO_SECRETS,
    /** Berth's own MCP server, for `/berth` and `berth mcp`; absent, both are refused. */
    private readonly berth?: BerthServing,
    /** What `/metrics` exposes to Prometheus (same token, Host and Origin checks as every endpoint). */
    private readonly metrics?: MetricsSource,
  ) {}

  async listen(port: number): Promise<number> {
    const server = http.createServer((req, res) => {
      this.handle(req, res).catch((e: Error) => {
        // A server that failed to start may have quoted its token in the reason.
        if (!res.headersSent) refuse(res, 500, this.redactor.redact(e.message));
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
    for (const id of [...this.sessions.keys()]) this.drop(id);
    for (const m of this.modern.values()) void m.handler.close().catch(() => undefined);
    this.modern.clear();
    this.trips.close();
    this.http?.closeAllConnections();
    this.http?.close();
  }

  url(name?: string): string {
    return `http://127.0.0.1:${this.port}/mcp${name ? `/${name}` : ''}`;
  }

  /** Servers changed: tell each client whose tools, prompts or resources moved (2025 sessions directly, 2026-07-28 listeners through their streams). */
  serversChanged(): void {
    // Each endpoint's lists are read once, however many clients it has.
    const now = new Map<string, Lists>();
    const moved = (seen: Offered) => {
      let lists = now.get(seen.endpoint);
      if (!lists) now.set(seen.endpoint, (lists = listsOf(seen.backend)));
      return changes(seen, lists);
    };
    for (const s of this.sessions.values()) announce(s.server, moved(s));
    // On a 2026-07-28 channel the SDK puts these on the client's subscriptions/listen stream.
    for (const t of this.tunnels) {
      const m = moved(t);
      for (const server of t.servers) announce(server, m);
    }
    for (const m of this.modern.values()) {
      const { tools, prompts, resources } = moved(m);
      if (tools) m.handler.notify.toolsChanged();
      if (prompts) m.handler.notify.promptsChanged();
      if (resources) m.handler.notify.resourcesChanged();
    }
  }

  /**
   * A `berth connect` (or `berth mcp`) client: the same proxy an HTTP client gets, over a channel
   * of the daemon API (which redacts what it sends). The client's opening message picks the era,
   * as on stdio.
   */
  async openTunnel(open: McpOpenParams, send: (message: JSONRPCMessage) => void): Promise<TunnelTransport> {
    const { endpoint, backend } = await this.tunnelBackend(open);
    const name = endpoint.server ?? 'berth';
    const tunnel: Tunnel = { servers: new Set(), ...offered(endpoint.key, backend) };
    const trips = new RoundTrips();
    // A 2026-07-28 client's listen streams: the SDK serves them, Berth holds their subscriptions on the server.
    const listens = new ListenSubscriptions(() => backend, name);
    const transport = new TunnelTransport(
      send,
      () => {
        this.tunnels.delete(tunnel);
        trips.close();
        listens.closeAll();
      },
      (message) => watchListens(listens, message),
    );
    serveStdio(
      ({ era }) => {
        const interest: Interest = era === 'modern' ? { uris: listens.uris } : { uris: new Set() };
        const server = createProxyServer(backend, { era, trips, interest });
        const stopListening = backend.onNotification((method, params) => deliverNotification(server, interest, method, params));
        tunnel.servers.add(server);
        server.onclose = () => {
          tunnel.servers.delete(server);
          stopListening();
          if (era === 'legacy') release(backend, interest, name);
        };
        return server;
      },
      { legacy: 'serve', transport, onerror: (e) => daemonLog(`${endpoint.server ? `berth connect ${name}` : 'berth mcp'}: ${e.message}`) },
    );
    this.tunnels.add(tunnel);
    return transport;
  }

  private async tunnelBackend(open: McpOpenParams): Promise<{ endpoint: Endpoint; backend: McpBackend }> {
    if (open.berth) {
      if (!this.berth) throw new Error(BERTH_OFF);
      // Each channel has its own flags, so its own key: lists are compared per channel.
      return { endpoint: { key: `berth:${randomUUID()}`, berth: true, selection: {} }, backend: this.berth.forFlags(open.berth) };
    }
    const endpoint: Endpoint = { key: `server:${open.name}`, server: open.name, selection: {} };
    return { endpoint, backend: await this.backendFor(endpoint) };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/health' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true }));
      return;
    }
    const refusal = checkRequest(req.headers, this.port, this.token);
    if (refusal) return refuse(res, refusal.status, refusal.message, refusal.headers);
    if (url.pathname === '/metrics' && this.metrics) return serveMetrics(req, res, this.metrics);

    const endpoint = parseEndpoint(url);
    if (endpoint === 'malformed') return refuse(res, 400, `the path ${url.pathname} has malformed percent-encoding`);
    if (!endpoint) return refuse(res, 404, `no such endpoint ${url.pathname}; use /mcp/NAME, /mcp or /berth`);
    if (endpoint.berth && !this.berth) return refuse(res, 404, BERTH_OFF);
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
      traceHeadersIntoMeta(req, body);
    }

    const route = classifyInboundRequest({
      httpMethod: req.method ?? 'GET',
      protocolVersionHeader: header(req, 'mcp-protocol-version'),
      mcpMethodHeader: header(req, 'mcp-method'),
      mcpNameHeader: header(req, 'mcp-name'),
      body,
    });
    // 2026-07-28 requests, and the version ladder's refusals, which the SDK words.
    if (route.kind === 'modern' && route.messageKind === 'request' && !proxies(route.message.method) && !SDK_ANSWERS.has(route.message.method)) {
      return rpcError(res, 404, -32601, `Method not found: ${route.message.method}`, {}, route.message.id);
    }
    if (route.kind !== 'legacy') {
      const modern = await this.modernFor(endpoint);
      if (route.kind === 'modern' && route.messageKind === 'request' && route.message.method === 'subscriptions/listen') await this.watch(modern, route.message.params, res);
      await modern.serve(req, res, body);
      return;
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
    if (s) this.closed(s);
    void s?.transport.close().catch(() => undefined);
  }

  /** A session is gone: it stops hearing the server, and its resource subscriptions are given back. */
  private closed(s: Session): void {
    s.stopListening();
    release(s.backend, s.interest, s.client);
  }

  private async modernFor(endpoint: Endpoint): Promise<Modern> {
    const backend = await this.backendFor(endpoint);
    const known = this.modern.get(endpoint.key);
    if (known) {
      // A server removed and added again has a new supervisor.
      known.backend = backend;
      return known;
    }
    const [oldest] = this.modern;
    if (oldest && this.modern.size >= MAX_MODERN_ENDPOINTS) {
      this.modern.delete(oldest[0]);
      void oldest[1].handler.close().catch(() => undefined);
    }
    const handler = createMcpHandler(() => createModernProxy(modern.backend, { era: 'modern', trips: this.trips, redact: this.redactor }), { legacy: 'reject' });
    const modern: Modern = { handler, serve: toNodeHandler(handler), listens: new ListenSubscriptions(() => modern.backend, 'subscriptions/listen'), ...offered(endpoint.key, backend) };
    this.modern.set(endpoint.key, modern);
    return modern;
  }

  /**
   * A 2026-07-28 client's `subscriptions/listen` that names resources: the server is subscribed to
   * them before the stream is acknowledged, their updates go onto the endpoint's listen streams
   * (the SDK gives each the URIs it named), and the subscriptions are given back when it ends.
   */
  private async watch(modern: Modern, params: unknown, res: http.ServerResponse): Promise<void> {
    const uris = listenedResources(params);
    if (!uris.length) return;
    // Clients number their listen requests alike; each HTTP request is its own stream.
    const stream = ++this.streams;
    if (modern.listens.size === 0) {
      modern.stopWatching = modern.backend.onNotification((method, p) => {
        if (method === 'notifications/resources/updated' && typeof p.uri === 'string') modern.handler.notify.resourceUpdated(p.uri);
      });
    }
    res.once('close', () => {
      modern.listens.close(stream);
      if (modern.listens.size === 0) modern.stopWatching?.();
    });
    await modern.listens.open(stream, uris);
  }

  private async backendFor(endpoint: Endpoint): Promise<McpBackend> {
    if (endpoint.berth) {
      if (!this.berth) throw new Error(BERTH_OFF);
      return this.berth.endpoint;
    }
    if (endpoint.server) {
      const sup = this.registry.get(endpoint.server);
      if (!sup.capabilities || !sup.running) await sup.start();
      return supervisorBackend(sup);
    }
    return aggregateBackend(() => this.registry.all(), endpoint.selection);
  }

  private async open(key: string, client: string, backend: McpBackend, req: http.IncomingMessage, res: http.ServerResponse, body: unknown): Promise<void> {
    const interest: Interest = { uris: new Set() };
    const server = createProxyServer(backend, { era: 'legacy', trips: this.trips, interest, redact: this.redactor });
    const forget = (id: string | undefined) => {
      const s = id === undefined ? undefined : this.sessions.get(id);
      if (!s || !id) return;
      this.sessions.delete(id);
      this.closed(s);
    };
    const transport: SessionTransport = new SessionTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        const stopListening = backend.onNotification((method, params) => deliverNotification(server, interest, method, params));
        this.sessions.set(id, { client, transport, server, interest, stopListening, lastSeen: Date.now(), ...offered(key, backend) });
      },
      onsessionclosed: forget,
    });
    transport.onclose = () => forget(transport.sessionId);
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  }

  private sweep(): void {
    const cutoff = Date.now() - IDLE_SESSION_MS;
    for (const [id, s] of this.sessions) if (s.lastSeen < cutoff) this.drop(id);
  }
}

type Lists = Omit<Offered, 'endpoint' | 'backend'>;

function listsOf(backend: McpBackend): Lists {
  try {
    const caps = backend.capabilities();
    return { tools: JSON.stringify(caps.tools), prompts: JSON.stringify(caps.prompts), resources: JSON.stringify(caps.resources) };
  } catch {
    return { tools: '', prompts: '', resources: '' };
  }
}

function offered(endpoint: string, backend: McpBackend): Offered {
  return { endpoint, backend, ...listsOf(backend) };
}

type Moved = Record<keyof Lists, boolean>;

/** Which of an endpoint's lists changed since the client last saw them; remembers them as they are now. */
function changes(seen: Offered, now: Lists): Moved {
  // A server that is down offers nothing for now; its clients hear once it is back and different.
  if (!now.tools && !now.prompts && !now.resources) return { tools: false, prompts: false, resources: false };
  const moved = { tools: now.tools !== seen.tools, prompts: now.prompts !== seen.prompts, resources: now.resources !== seen.resources };
  Object.assign(seen, now);
  return moved;
}

/** Tells a 2025-era client (or a `berth connect` one, either era) which lists changed. */
function announce(server: McpServer, moved: Moved): void {
  if (moved.tools) void server.sendToolListChanged().catch(() => undefined);
  if (moved.prompts) void server.sendPromptListChanged().catch(() => undefined);
  if (moved.resources) void server.sendResourceListChanged().catch(() => undefined);
}

/** Gives back the resource subscriptions of a client that is gone. */
function release(backend: McpBackend, interest: Interest, client: string): void {
  const signal = AbortSignal.timeout(10_000);
  for (const uri of interest.uris) void backend.request('resources/unsubscribe', { uri }, { signal, client }).catch(() => undefined);
  interest.uris.clear();
}

/** Opens or ends a tunnel's listen streams' subscriptions as the client's messages pass; a stream's are in place before it is acknowledged. */
function watchListens(listens: ListenSubscriptions, message: JSONRPCMessage): Promise<void> | undefined {
  if (!('method' in message)) return undefined;
  if (message.method === 'subscriptions/listen' && 'id' in message) {
    const uris = listenedResources(message.params);
    return uris.length ? listens.open(message.id, uris) : undefined;
  }
  const cancelled = message.method === 'notifications/cancelled' ? (message.params as { requestId?: unknown } | undefined)?.requestId : undefined;
  if ((typeof cancelled === 'string' || typeof cancelled === 'number') && listens.has(cancelled)) listens.close(cancelled);
  return undefined;
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

interface Endpoint {
  key: string;
  server?: string;
  /** Berth's own tools. */
  berth?: true;
  selection: Selection;
}

const BERTH_OFF = "this daemon does not serve Berth's own MCP server";

function parseEndpoint(url: URL): Endpoint | 'malformed' | undefined {
  if (/^\/berth\/?$/.test(url.pathname)) return { key: 'berth', berth: true, selection: {} };
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

function rpcError(res: http.ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}, id: string | number | null = null): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id }));
}
