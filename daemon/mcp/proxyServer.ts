import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  LOG_LEVEL_META_KEY,
  McpServer,
  ProtocolError,
  ProtocolErrorCode,
  Server,
  type ClientCapabilities,
  type JSONRPCRequest,
  type LoggingLevel,
  type ServerCapabilities,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { z } from 'zod';
import { redactMessage } from '../api/redactMessages.js';
import type { TextRedactor } from '../secrets/redact.js';
import type { Capabilities } from '../protocol/status.js';
import type { AskMethod, Asker, CallContext, UpstreamListener } from './callContext.js';
import { ANSWER_WAIT_MS, type RoundTrips } from './roundTrips.js';
import { parseTraceParent } from './traceContext.js';

type Result = Record<string, unknown>;

/** What the servers behind a proxy declare beyond their tools, prompts and resources. */
export interface Offers {
  completions: boolean;
  logging: boolean;
  subscribe: boolean;
}

/** What a proxied MCP server offers: the cached capabilities, and every request and notification behind them. */
export interface McpBackend {
  name: string;
  version: string;
  capabilities(): Capabilities;
  instructions(): string | undefined;
  offers(): Offers;
  callTool(tool: string, args: Record<string, unknown> | undefined, ctx: CallContext): Promise<Result>;
  getPrompt(prompt: string, args: Record<string, string> | undefined, ctx: CallContext): Promise<Result>;
  readResource(uri: string, ctx: CallContext): Promise<Result>;
  /** Completion, resource templates, subscriptions, log level: forwarded as they are. */
  request(method: string, params: Result | undefined, ctx: CallContext): Promise<Result>;
  onNotification(listener: UpstreamListener): () => void;
}

export type Era = 'legacy' | 'modern';

/** What a 2025-era session asked to hear of, outside its calls: the server's notifications go where someone listens. */
export interface Interest {
  uris: Set<string>;
  level?: LoggingLevel;
}

export interface ProxyOptions {
  era: Era;
  /** Where 2026-07-28 calls wait on their client's answers between requests. */
  trips: RoundTrips;
  /** A 2025-era session's subscriptions and log level, kept for `deliverNotification`. */
  interest?: Interest;
  /** Replaces known secret values in everything sent; absent where the channel redacts already (the daemon API). */
  redact?: TextRedactor;
}

/** Requests forwarded to the backend as they are, besides calls. */
const FORWARDED = new Set(['completion/complete', 'resources/templates/list', 'resources/subscribe', 'resources/unsubscribe', 'logging/setLevel']);
/** Every request a proxy answers itself or forwards (the SDK answers `server/discover` and `subscriptions/listen`). */
const ANSWERED = new Set([...FORWARDED, 'tools/list', 'prompts/list', 'resources/list', 'tools/call', 'prompts/get', 'resources/read']);

/**
 * Whether a proxy has an answer for `method`. Its fallback handler serves the rest too, but only
 * to refuse it, and the SDK can no longer make that refusal the HTTP 404 a 2026-07-28 client is owed.
 */
export function proxies(method: string): boolean {
  return ANSWERED.has(method);
}
/**
 * Items per page of a list a proxy answers (tools, prompts, resources); a client pages on with
 * `nextCursor`. Large enough that a fleet's aggregate list (50 servers of `everything`: 850 tools)
 * is one round trip, not nine; a list larger still is split.
 */
export const LIST_PAGE = 1000;
/**
 * How long a 2026-07-28 client may keep a list it was given (`ttlMs`). A client that listens
 * hears of a change at once and drops it sooner; one that does not sees a change this late at most.
 */
const LIST_TTL_MS = 30_000;
const LIST_HINT = { ttlMs: LIST_TTL_MS, cacheScope: 'private' } as const;
const CACHE_HINTS = { 'tools/list': LIST_HINT, 'prompts/list': LIST_HINT, 'resources/list': LIST_HINT };

/** Any JSON object: answers pass through unvalidated and unstripped. */
const AnyResult = z.looseObject({});
const LEVELS: readonly LoggingLevel[] = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];

/**
 * An MCP server that answers lists from the backend's cached capabilities and forwards the rest.
 * Every client session (2025 era) or request (2026-07-28) gets one; they all share the backend's
 * single session with the container, so request ids never collide and nothing is started per
 * client. Calls are served by the fallback handler: the SDK validates what a `tools/call` handler
 * returns against its schema and drops fields it does not know, and a proxy must pass them on.
 */
export function createProxyServer(backend: McpBackend, options: ProxyOptions): Server {
  return proxyOn(
    new Server({ name: backend.name, version: backend.version }, { capabilities: declared(backend.offers()), instructions: backend.instructions(), cacheHints: CACHE_HINTS }),
    backend,
    options,
  );
}

/**
 * The same proxy as an McpServer, for the SDK's 2026-07-28 HTTP handler: it checks a tool call's
 * `Mcp-Param-*` headers against the tool's `x-mcp-header` declarations (SEP-2243) only for an
 * McpServer, whose tools' input schemas it reads; here they are the backend's tools, as listed.
 * Its own tool handlers are never installed (no capabilities at construction): the proxy's serve.
 */
export function createModernProxy(backend: McpBackend, options: ProxyOptions): McpServer {
  const mcp = new McpServer({ name: backend.name, version: backend.version }, { instructions: backend.instructions(), cacheHints: CACHE_HINTS });
  mcp.server.registerCapabilities(declared(backend.offers()));
  mcp.toolInputSchemaJson = (name) => backend.capabilities().tools.find((t) => t.name === name)?.inputSchema;
  proxyOn(mcp.server, backend, options);
  return mcp;
}

function proxyOn(server: Server, backend: McpBackend, options: ProxyOptions): Server {
  const redact = options.redact;
  if (redact) {
    // Everything a client gets passes the redactor (a tool may answer, or fail, quoting its token), whichever transport serves it.
    const connect = server.connect.bind(server);
    server.connect = (transport) => {
      const send = transport.send.bind(transport);
      transport.send = (message, sendOptions) => send(redactMessage(message, redact), sendOptions);
      return connect(transport);
    };
  }
  server.setRequestHandler('tools/list', (req) => page(backend.capabilities().tools, req.params?.cursor, 'tools'));
  server.setRequestHandler('prompts/list', (req) => page(backend.capabilities().prompts, req.params?.cursor, 'prompts'));
  server.setRequestHandler('resources/list', (req) => page(backend.capabilities().resources, req.params?.cursor, 'resources'));
  // The SDK answers the log level itself, for its own log messages; the server's are what a client wants.
  server.removeRequestHandler('logging/setLevel');
  server.fallbackRequestHandler = (request, ctx) => forward(server, backend, options, request, ctx);
  return server;
}

/** One page of a cached list; the cursor is the offset of the next page, as a decimal string. */
function page<T, K extends string>(items: T[], cursor: string | undefined, key: K): Record<K, T[]> & { nextCursor?: string } {
  const start = cursor === undefined ? 0 : /^\d{1,9}$/.test(cursor) ? Number(cursor) : NaN;
  if (Number.isNaN(start)) throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'Invalid cursor: pass back the nextCursor of the previous page, or none for the first');
  const end = start + LIST_PAGE;
  return { [key]: items.slice(start, end), ...(end < items.length && { nextCursor: String(end) }) } as Record<K, T[]> & { nextCursor?: string };
}

function declared(offers: Offers): ServerCapabilities {
  return {
    tools: { listChanged: true },
    prompts: { listChanged: true },
    resources: { listChanged: true, ...(offers.subscribe && { subscribe: true }) },
    ...(offers.completions && { completions: {} }),
    ...(offers.logging && { logging: {} }),
  };
}

async function forward(server: Server, backend: McpBackend, options: ProxyOptions, request: JSONRPCRequest, ctx: ServerContext): Promise<Result> {
  const params = (request.params ?? {}) as Result;
  const { method } = request;
  const call = callOf(backend, method, params);
  if (call) return serveCall(server, backend, options, call, params, ctx);
  if (!FORWARDED.has(method)) throw new ProtocolError(ProtocolErrorCode.MethodNotFound, `Method not found: ${method}`);
  const context: CallContext = { signal: ctx.mcpReq.signal, client: clientName(server, options.era, ctx) };
  const { _meta: _, ...rest } = params;
  const result = await backend.request(method, rest, context);
  const interest = options.interest;
  if (interest && typeof params.uri === 'string') {
    if (method === 'resources/subscribe') interest.uris.add(params.uri);
    if (method === 'resources/unsubscribe') interest.uris.delete(params.uri);
  }
  if (interest && method === 'logging/setLevel') interest.level = params.level as LoggingLevel;
  return result;
}

interface Call {
  target: string;
  run(ctx: CallContext): Promise<Result>;
}

function callOf(backend: McpBackend, method: string, params: Result): Call | undefined {
  const name = typeof params.name === 'string' ? params.name : '';
  switch (method) {
    case 'tools/call':
      return { target: `${method}:${name}`, run: (c) => backend.callTool(name, params.arguments as Record<string, unknown> | undefined, c) };
    case 'prompts/get':
      return { target: `${method}:${name}`, run: (c) => backend.getPrompt(name, params.arguments as Record<string, string> | undefined, c) };
    case 'resources/read':
      return { target: `${method}:${String(params.uri)}`, run: (c) => backend.readResource(String(params.uri), c) };
  }
  return undefined;
}

/**
 * A call, with the caller's progress, cancellation and way back. A 2025-era client is asked on the
 * stream of the request being served; a 2026-07-28 client cannot be asked mid-request, so its call
 * runs across rounds (RoundTrips).
 */
async function serveCall(server: Server, backend: McpBackend, options: ProxyOptions, call: Call, params: Result, ctx: ServerContext): Promise<Result> {
  const meta = (params._meta ?? {}) as { progressToken?: string | number; traceparent?: unknown; tracestate?: unknown };
  const token = meta.progressToken;
  const trace = parseTraceParent(meta.traceparent, meta.tracestate);
  // Progress goes out in order, and all of it before the answer: a client drops progress that comes after.
  let progressSent = Promise.resolve();
  const onprogress =
    token === undefined
      ? undefined
      : (p: Result) => {
          progressSent = progressSent.then(() => ctx.mcpReq.notify({ method: 'notifications/progress', params: { ...p, progressToken: token } })).catch(() => undefined);
        };
  const client = clientName(server, options.era, ctx);
  const capabilities = options.era === 'modern' ? (envelope(ctx)[CLIENT_CAPABILITIES_META_KEY] as ClientCapabilities | undefined) : server.getClientCapabilities();
  const methods = askable(capabilities);
  const logLevel = options.era === 'modern' ? (envelope(ctx)[LOG_LEVEL_META_KEY] as LoggingLevel | undefined) : options.interest?.level;
  // A 2026-07-28 client hears log messages only on the requests that name a level, while they run.
  const stopLogging =
    options.era === 'modern' && logLevel
      ? backend.onNotification((method, p) => {
          if (method === 'notifications/message' && atLeast(p.level, logLevel)) void ctx.mcpReq.notify({ method, params: p }).catch(() => undefined);
        })
      : undefined;
  try {
    if (options.era === 'modern') {
      return await options.trips.round(
        { target: call.target, state: ctx.mcpReq.requestState(), responses: ctx.mcpReq.inputResponses, signal: ctx.mcpReq.signal, onprogress, methods },
        (signal, asker, progress) => call.run({ signal, onprogress: progress, client, asker, capabilities, logLevel, trace }),
      );
    }
    const asker: Asker | undefined = methods.length
      ? { methods, ask: (method, askParams, signal) => ctx.mcpReq.send({ method, params: askParams }, AnyResult, { signal, timeout: ANSWER_WAIT_MS }) }
      : undefined;
    return await call.run({ signal: ctx.mcpReq.signal, onprogress, client, asker, capabilities, logLevel, trace });
  } finally {
    stopLogging?.();
    await progressSent;
  }
}

function atLeast(level: unknown, threshold: LoggingLevel): boolean {
  return LEVELS.indexOf(level as LoggingLevel) >= LEVELS.indexOf(threshold);
}

function clientName(server: Server, era: Era, ctx: ServerContext): string {
  const info = era === 'modern' ? (envelope(ctx)[CLIENT_INFO_META_KEY] as { name?: string } | undefined) : server.getClientVersion();
  return info?.name ?? 'unknown';
}

/** A 2026-07-28 request's own `_meta` envelope: who the client is and what it can answer (the SDK types it as an empty object). */
function envelope(ctx: ServerContext): Record<string, unknown> {
  return ctx.mcpReq.envelope ?? {};
}

/** What a client declared it can answer; one that declared nothing gets no asker, so the server hears a clear refusal. */
function askable(caps: ClientCapabilities | undefined): AskMethod[] {
  const methods: AskMethod[] = [];
  if (caps?.sampling) methods.push('sampling/createMessage');
  if (caps?.elicitation) methods.push('elicitation/create');
  return methods;
}

/** Passes a server's notification to a 2025-era session that asked for it: an update of a resource it subscribed to, a log message at its level or above. */
export function deliverNotification(server: Server, interest: Interest, method: string, params: Result): void {
  if (method === 'notifications/resources/updated') {
    if (!interest.uris.has(String(params.uri))) return;
  } else if (method === 'notifications/message') {
    if (!interest.level || !atLeast(params.level, interest.level)) return;
  } else {
    return;
  }
  void server.notification({ method, params }).catch(() => undefined);
}
