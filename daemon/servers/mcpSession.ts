import {
  CLIENT_CAPABILITIES_META_KEY,
  Client,
  LOG_LEVEL_META_KEY,
  ProtocolError,
  ProtocolErrorCode,
  SdkError,
  SdkErrorCode,
  StreamableHTTPClientTransport,
  type CallToolResult,
  type ClientCapabilities,
  type GetPromptResult,
  type InputRequest,
  type InputResponses,
  type ReadResourceResult,
  type RequestOptions,
  type VersionNegotiationMode,
} from '@modelcontextprotocol/client';
import { z } from 'zod';
import type { AttachedStdio, ContainerRuntime } from '../hosts/runtime.js';
import type { AuditEntry, AuditLog } from '../logs/audit.js';
import type { LogStore } from '../logs/store.js';
import type { FetchLike } from '../mcp/agentFetch.js';
import { AttachTransport } from '../mcp/attachTransport.js';
import type { AskMethod, CallContext, UpstreamListener } from '../mcp/callContext.js';
import { callSpanOf, traceMeta } from '../mcp/traceContext.js';
import type { SecurityContext } from '../policy/context.js';
import type { ServerSpec } from '../protocol/spec.js';
import type { Capabilities, Phase, ServerStatus } from '../protocol/status.js';
import { VERSION } from '../protocol/version.js';
import { InFlightCalls } from './askRouting.js';
import { callTimeouts, describeCallError } from './callTimeouts.js';
import { completeInputRounds, type InputRound } from './inputRounds.js';
import { Superseded } from './superseded.js';

/** How long after its first session starts a server's added tools are still pinned as first seen. */
const FIRST_USE_SETTLE_MS = 10_000;

export interface SessionDeps {
  rt: ContainerRuntime;
  logs: LogStore;
  audit: AuditLog;
  security?: SecurityContext;
  /** What the server offers changed (it said its lists changed, and they were read again). */
  onChange(): void;
}

/** What the session reads of its server's supervisor, as it is at each moment. */
export interface SessionServer {
  readonly spec: ServerSpec;
  readonly phase: Phase;
  readonly running: boolean;
  readonly containerId: string | undefined;
}

/**
 * Everything a client may be asked for, declared once for the shared session: each request the
 * server makes is answered by the client whose call it serves (or by Berth, for roots), so a
 * server offers its sampling, elicitation and roots features to every client through Berth.
 */
/**
 * What Berth's one session with a server declares: everything some client behind it may answer,
 * and MCP Apps, so a server lists its App tools (a client that renders none ignores their `_meta`).
 */
const CLIENT_CAPABILITIES: ClientCapabilities = {
  sampling: {},
  elicitation: { form: {}, url: {} },
  roots: { listChanged: true },
  extensions: { 'io.modelcontextprotocol/ui': { mimeTypes: ['text/html;profile=mcp-app'] } },
};

/** Of each list (tools, prompts, resources) at most this many are kept: a server offering more is misbehaving. */
const MAX_LISTED = 5000;
/** On stdio an `auto` probe a server ignores costs this much before `initialize` is tried. */
const STDIO_PROBE_MS = 10_000;

const LIST_CHANGED = ['notifications/tools/list_changed', 'notifications/prompts/list_changed', 'notifications/resources/list_changed'] as const;

/**
 * The daemon's own MCP session with one server, one per container and shared by every bridged
 * client: it connects over the container's stdio or its HTTP endpoint in whichever MCP era the
 * server speaks, learns what the server offers (again whenever it says its lists changed), and
 * makes calls under the tool policy, each tool call recorded in the audit log. What the server
 * asks of a client goes to the caller that can answer it (see InFlightCalls), in either era.
 */
export class McpSession {
  private client: Client | undefined;
  /** What the server itself offers; clients see `capabilities`. */
  private offered: Capabilities | undefined;
  private strayOutput: string | undefined;
  private readonly listeners = new Set<UpstreamListener>();
  /**
   * Until when tools the server adds are trusted on first use: the first seconds of the first
   * session that ever showed its tools (a server may add tools once it knows its client's
   * capabilities, as `everything` does); 0 afterwards, so a later addition waits for approval.
   */
  private firstUseUntil = 0;
  /** What the log last said is withheld, so a re-list that changes nothing says nothing. */
  private withheldSaid = '';
  private readonly inFlight = new InFlightCalls();
  /** Lists are read again one at a time; a change noticed meanwhile is read once more after. */
  private relisting: Promise<void> | undefined;
  private relistAgain = false;
  /**
   * Resources some client subscribed to. A 2026-07-28 server has no `resources/subscribe`: it hears
   * them in the filter of the session's `subscriptions/listen` stream, opened again as they change.
   */
  private readonly subscribed = new Set<string>();
  private listening: { close(): Promise<void> } | undefined;
  /** Listen streams are opened one at a time, each with the subscriptions as they are by then. */
  private listenQueue: Promise<void> = Promise.resolve();

  constructor(
    private readonly server: SessionServer,
    private readonly deps: SessionDeps,
    private readonly log: (text: string) => void,
  ) {}

  private get name(): string {
    return this.server.spec.name;
  }

  /** What clients see: the server's tools less those its tool policy blocks or pinning withholds. */
  get capabilities(): Capabilities | undefined {
    return this.offered && (this.deps.security?.visible(this.name, this.server.spec.tools, this.offered) ?? this.offered);
  }

  /** What the server itself offers, before policy and pinning: what a snapshot of it records. */
  get offeredCapabilities(): Capabilities | undefined {
    return this.offered;
  }

  /** The MCP revision agreed on with the server, while connected. */
  get protocol(): ServerStatus['protocol'] {
    const era = this.client?.getProtocolEra();
    const version = this.client?.getNegotiatedProtocolVersion();
    return era && version ? { era, version } : undefined;
  }

  /** The first line this run's server wrote to stdout that is not MCP: why it could not start. */
  get garbage(): string | undefined {
    return this.strayOutput;
  }

  /** Calls a tool on the shared session, with its timeout, and records it in the audit log. */
  async callTool(tool: string, args: Record<string, unknown> | undefined, ctx: Partial<CallContext> = {}): Promise<CallToolResult> {
    const t = Date.now();
    const span = callSpanOf(ctx.trace);
    const ids = { traceId: span.traceId, spanId: span.spanId, ...(span.parentSpanId && { parentSpanId: span.parentSpanId }) };
    const audit = (outcome: AuditEntry['outcome'], error?: string) =>
      this.deps.audit.record({ t, client: ctx.client ?? 'unknown', server: this.name, tool, ms: Date.now() - t, outcome, error, ...ids });
    try {
      try {
        this.deps.security?.checkCall(this.name, tool, args, this.offered, this.server.spec.tools);
      } catch (e) {
        this.log(`refused a call of ${tool}: ${(e as Error).message}`);
        throw e;
      }
      const result = await this.call<CallToolResult>(
        ctx,
        callTimeouts(this.server.spec.health, tool),
        `tool ${tool}`,
        (client, round, options) => client.callTool({ name: tool, arguments: args, ...round }, options),
        traceMeta(span),
      );
      this.deps.security?.checkResult(this.name, tool, result);
      audit(result.isError ? 'tool-error' : 'ok');
      return result;
    } catch (e) {
      audit('error', (e as Error).message);
      throw e;
    }
  }

  getPrompt(prompt: string, args: Record<string, string> | undefined, ctx: Partial<CallContext> = {}): Promise<GetPromptResult> {
    return this.call<GetPromptResult>(ctx, callTimeouts(this.server.spec.health), `prompt ${prompt}`, (client, round, options) =>
      client.getPrompt({ name: prompt, arguments: args, ...round }, options),
    );
  }

  readResource(uri: string, ctx: Partial<CallContext> = {}): Promise<ReadResourceResult> {
    return this.call<ReadResourceResult>(ctx, callTimeouts(this.server.spec.health), `resource ${uri}`, (client, round, options) =>
      client.readResource({ uri, ...round }, { ...options, cacheMode: 'bypass' }),
    );
  }

  /**
   * Any other request of a client (completion, resource templates, subscriptions, log level),
   * forwarded as it is; to a 2026-07-28 server, which has neither `logging/setLevel` nor
   * `resources/subscribe`, a subscription goes into the listen stream's filter and a log level
   * travels in each call of the client that set it (CallContext.logLevel).
   */
  async request(method: string, params: Record<string, unknown> | undefined, ctx: Partial<CallContext> = {}): Promise<Record<string, unknown>> {
    const client = this.session();
    if (client.getProtocolEra() === 'modern') {
      const uri = typeof params?.uri === 'string' ? params.uri : undefined;
      if (method === 'logging/setLevel') return {};
      if (uri !== undefined && (method === 'resources/subscribe' || method === 'resources/unsubscribe')) {
        if (method === 'resources/subscribe') this.subscribed.add(uri);
        else this.subscribed.delete(uri);
        await this.listen(client);
        return {};
      }
    }
    return this.call<Record<string, unknown>>(ctx, callTimeouts(this.server.spec.health), method, (client, extra, options) =>
      client.request({ method, params: { ...params, ...extra._meta && { _meta: extra._meta } } }, AnyResult, options),
    );
  }

  onNotification(listener: UpstreamListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  session(): Client {
    if (!this.client || !this.server.running) throw new Error(`server ${this.name} is ${this.server.phase}; start it first (berth start ${this.name})`);
    return this.client;
  }

  /**
   * One request on the shared session, on behalf of one caller: its cancellation and progress,
   * the timeout (which progress starts afresh, up to a total), the server's questions routed back
   * to it, and on a 2026-07-28 server the `input_required` rounds answered the same way.
   */
  private async call<R>(
    ctx: Partial<CallContext>,
    timeouts: { timeout: number; maxTotalTimeout: number },
    what: string,
    send: (client: Client, params: Extra, options: RequestOptions) => Promise<unknown>,
    /** The server's parent span: Berth's span of a tool call, else the caller's as it came. */
    trace = ctx.trace && traceMeta(ctx.trace),
  ): Promise<R> {
    const client = this.session();
    const modern = client.getProtocolEra() === 'modern';
    const leave = await this.inFlight.enter(ctx.asker, ctx.signal, modern);
    const t0 = Date.now();
    // A progress callback is always given, so the server gets a progress token and its progress keeps the call alive.
    const options: RequestOptions = { ...timeouts, signal: ctx.signal, onprogress: ctx.onprogress ?? (() => undefined), resetTimeoutOnProgress: true, allowInputRequired: true };
    // A 2026-07-28 server hears what the calling client can answer (the SDK lets a request's own
    // `_meta` override its envelope), so it asks nothing the client cannot; roots are Berth's.
    const meta = {
      ...(modern && { [CLIENT_CAPABILITIES_META_KEY]: { roots: CLIENT_CAPABILITIES.roots, ...asked(ctx.capabilities) }, ...(ctx.logLevel && { [LOG_LEVEL_META_KEY]: ctx.logLevel }) }),
      ...trace,
    };
    const envelope = Object.keys(meta).length ? { _meta: meta } : {};
    try {
      return await completeInputRounds<R>((round) => send(client, { ...envelope, ...round }, options), (request, key) => this.answerInput(request, key, ctx), this.name);
    } catch (e) {
      throw describeCallError(e, { server: this.name, what, elapsedMs: Date.now() - t0, ...timeouts, aborted: ctx.signal?.aborted ?? false });
    } finally {
      leave();
    }
  }

  /** One request inside a 2026-07-28 `input_required` result: the calling client answers it, roots are Berth's. */
  private async answerInput(request: InputRequest, key: string, ctx: Partial<CallContext>): Promise<InputResponses[string]> {
    if (request.method === 'roots/list') return { roots: this.roots() };
    const asker = ctx.asker;
    if (!asker?.methods.includes(request.method)) {
      const what = request.method === 'sampling/createMessage' ? 'sampling' : 'elicitation';
      throw new ProtocolError(ProtocolErrorCode.InvalidRequest, `server ${this.name} asked for ${what}, which the calling client${ctx.client ? ` (${ctx.client})` : ''} cannot answer`);
    }
    return (await asker.ask(request.method, request.params, ctx.signal ?? new AbortController().signal, key)) as InputResponses[string];
  }

  /** A 2025-era server's own request: to the one waiting caller that can answer it (InFlightCalls, which learns from it that the server asks). */
  private ask(method: AskMethod, params: Record<string, unknown>, signal: AbortSignal): Promise<Record<string, unknown>> {
    return this.inFlight.pick(method, this.name).ask(method, params, signal);
  }

  /** The client's paths mean nothing inside the container: its roots are where the server's volumes are mounted. */
  private roots(): { uri: string; name: string }[] {
    return this.server.spec.volumes.map((v) => ({ uri: `file://${v.target.split('/').map(encodeURIComponent).join('/')}`, name: v.target }));
  }

  /** MCP initialize (or discover) with this run's container, then what it offers; throws Superseded once `current()` no longer holds. */
  async connect(attached: AttachedStdio, current: () => boolean): Promise<void> {
    const timeoutMs = this.server.spec.health.initializeTimeoutSeconds * 1000;
    const client = this.server.spec.http ? await this.connectHttp(this.server.spec.http, attached, timeoutMs) : await this.connectStdio(attached, timeoutMs);
    await this.begin(client, current);
  }

  /** MCP with a remote server over Streamable HTTP, with its headers (secrets filled in) on every request. */
  async connectRemote(remote: { url: URL; headers: Record<string, string>; fetch: FetchLike }, current: () => boolean): Promise<void> {
    const timeoutMs = this.server.spec.health.initializeTimeoutSeconds * 1000;
    const client = this.newClient(this.negotiation());
    try {
      await client.connect(new StreamableHTTPClientTransport(remote.url, { fetch: remote.fetch, requestInit: { headers: remote.headers } }), { timeout: timeoutMs });
    } catch (e) {
      void client.close().catch(() => undefined);
      const cause = (e as Error & { cause?: Error }).cause?.message;
      throw new Error(`${remote.url.href} did not answer MCP initialize: ${(e as Error).message}${cause ? ` (${cause})` : ''}`, { cause: e });
    }
    await this.begin(client, current);
  }

  /** A connected client becomes this run's session: what the server offers is learned and watched. */
  private async begin(client: Client, current: () => boolean): Promise<void> {
    if (!current()) {
      void client.close().catch(() => undefined);
      throw new Superseded();
    }
    this.client = client;
    this.firstUseUntil = this.deps.security?.pinned(this.name) === false ? Date.now() + FIRST_USE_SETTLE_MS : 0;
    this.withheldSaid = '';
    await this.learn(client);
    if (client.getProtocolEra() === 'modern') {
      this.listening = undefined;
      this.listen(client).catch((e: Error) => {
        if (client === this.client) this.log(`could not subscribe to the server's changes: ${e.message}`);
      });
    }
  }

  /** The run ended: the client goes, and so does what the server wrote off-protocol; what it offers stays known. */
  end(): void {
    this.strayOutput = undefined;
    const client = this.client;
    this.client = undefined;
    void client?.close().catch(() => undefined);
  }

  /** Reads what the server offers, reviews it against the approved pins, and says what is withheld. */
  private async learn(client: Client): Promise<void> {
    this.offered = await this.listCapabilities(client);
    const pins = this.deps.security?.review(this.name, this.offered, Date.now() < this.firstUseUntil);
    const withheld = [...(pins?.changed.map((c) => c.tool) ?? []), ...(pins?.added.map((t) => t.name) ?? [])];
    // Said once per change of what is withheld, not at every re-list.
    const said = withheld.join(', ');
    if (said === this.withheldSaid) return;
    this.withheldSaid = said;
    if (withheld.length) this.log(`withholding ${withheld.join(', ')}: changed or new since you approved this server's tools; see \`berth tools pending ${this.name}\`, then \`berth tools approve ${this.name}\``);
  }

  /** The server said a list changed: read them again, then tell the supervisor and the listeners. */
  private relist(client: Client, method: string): void {
    if (this.relisting) {
      this.relistAgain = true;
      return;
    }
    this.relisting = (async () => {
      do {
        this.relistAgain = false;
        await this.learn(client);
      } while (this.relistAgain && client === this.client);
    })()
      .then(
        () => {
          if (client !== this.client) return;
          this.deps.onChange();
          this.emit(method, {});
        },
        (e: Error) => {
          if (client === this.client) this.log(`could not read the server's lists again after it changed them: ${e.message}`);
        },
      )
      .finally(() => (this.relisting = undefined));
  }

  /**
   * A 2026-07-28 server sends list changes and resource updates only on a subscription: one
   * stream, opened again with each change of the resources subscribed to (the new one before the
   * old one closes, so no update falls between them).
   */
  private listen(client: Client): Promise<void> {
    const next = this.listenQueue.then(() => this.relisten(client));
    this.listenQueue = next.catch(() => undefined);
    return next;
  }

  private async relisten(client: Client): Promise<void> {
    const caps = client.getServerCapabilities() ?? {};
    const uris = caps.resources?.subscribe ? [...this.subscribed] : [];
    const filter = {
      toolsListChanged: !!caps.tools?.listChanged,
      promptsListChanged: !!caps.prompts?.listChanged,
      resourcesListChanged: !!caps.resources?.listChanged,
      ...(uris.length && { resourceSubscriptions: uris }),
    };
    const before = this.listening;
    this.listening = Object.values(filter).some(Boolean) ? await client.listen(filter) : undefined;
    void before?.close().catch(() => undefined);
  }

  private emit(method: string, params: Record<string, unknown>): void {
    for (const listener of this.listeners) listener(method, params);
  }

  /** A client that can answer what a server may ask, with the server's notifications wired in; not yet connected. */
  private newClient(mode: VersionNegotiationMode, probeMs?: number): Client {
    const client = new Client(
      { name: 'berth-daemon', version: VERSION },
      { capabilities: CLIENT_CAPABILITIES, versionNegotiation: { mode, probe: probeMs === undefined ? undefined : { timeoutMs: probeMs } }, inputRequired: { autoFulfill: false } },
    );
    client.setRequestHandler('sampling/createMessage', (req, hctx) => this.ask('sampling/createMessage', req.params, hctx.mcpReq.signal) as never);
    client.setRequestHandler('elicitation/create', (req, hctx) => this.ask('elicitation/create', req.params, hctx.mcpReq.signal) as never);
    client.setRequestHandler('roots/list', () => ({ roots: this.roots() }));
    client.setNotificationHandler('notifications/message', (n) => {
      const { level, logger, data } = n.params;
      this.deps.logs.append(this.name, 'mcp', `${level}${logger ? ` ${logger}` : ''}: ${typeof data === 'string' ? data : JSON.stringify(data)}\n`);
      this.emit(n.method, n.params);
    });
    for (const method of LIST_CHANGED) client.setNotificationHandler(method, () => this.relist(client, method));
    client.fallbackNotificationHandler = (n) => {
      this.emit(n.method, n.params ?? {});
      return Promise.resolve();
    };
    return client;
  }

  private negotiation(): VersionNegotiationMode {
    const choice = this.server.spec.protocol ?? (this.server.spec.http || this.server.spec.remote ? 'auto' : 'legacy');
    return choice === 'modern' ? { pin: MODERN_VERSION } : choice;
  }

  private async connectStdio(attached: AttachedStdio, timeoutMs: number): Promise<Client> {
    const transport = new AttachTransport(attached.stdin, attached.stdout, (line) => {
      this.strayOutput ??= line;
      this.deps.logs.append(this.name, 'stdout', `${line}\n`);
    });
    const client = this.newClient(this.negotiation(), Math.min(STDIO_PROBE_MS, timeoutMs));
    try {
      await client.connect(transport, { timeout: timeoutMs });
      return client;
    } catch (e) {
      void client.close().catch(() => undefined);
      const code = e instanceof SdkError ? e.code : undefined;
      if (code === SdkErrorCode.RequestTimeout) throw new Error(`it did not answer MCP initialize within ${timeoutMs / 1000} s`);
      if (code === SdkErrorCode.ConnectionClosed) throw new Error('the container closed its stdio before answering MCP initialize');
      if (code === SdkErrorCode.EraNegotiationFailed) throw new Error(`it does not speak MCP ${MODERN_VERSION}, which its spec asks for (protocol: modern); remove that line to let Berth find out (${(e as Error).message})`);
      throw e;
    }
  }

  /** An HTTP server: its stdout is a log too, and its port may take a moment to open. */
  private async connectHttp(http: NonNullable<ServerSpec['http']>, attached: AttachedStdio, timeoutMs: number): Promise<Client> {
    this.deps.logs.pipe(this.name, 'stdout', attached.stdout);
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      const info = this.server.containerId ? await this.deps.rt.inspect(this.server.containerId) : undefined;
      if (!info?.running) throw new Error('the container exited before its HTTP endpoint answered');
      if (info.ipAddress) {
        const client = this.newClient(this.negotiation());
        try {
          const url = new URL(`http://${info.ipAddress}:${http.port}${http.path}`);
          await client.connect(new StreamableHTTPClientTransport(url, { fetch: this.deps.rt.fetch }), { timeout: Math.max(1000, deadline - Date.now()) });
          return client;
        } catch (e) {
          void client.close().catch(() => undefined);
          last = (e as Error).message;
        }
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`its HTTP endpoint on port ${http.port}${http.path} did not answer MCP initialize within ${timeoutMs / 1000} s${last ? ` (${last})` : ''}`);
  }

  /** Every page of each list the server offers, as one list each (the SDK walks the pages); kept within bounds. */
  private async listCapabilities(client: Client): Promise<Capabilities> {
    const caps = client.getServerCapabilities() ?? {};
    const fresh = { cacheMode: 'bypass' } as const;
    const [tools, prompts, resources] = await Promise.all([
      caps.tools ? client.listTools(undefined, fresh).then((r) => this.bounded('tools', r.tools)) : [],
      caps.prompts ? client.listPrompts(undefined, fresh).then((r) => this.bounded('prompts', r.prompts)) : [],
      caps.resources ? client.listResources(undefined, fresh).then((r) => this.bounded('resources', r.resources)) : [],
    ]);
    return { serverInfo: client.getServerVersion(), instructions: client.getInstructions(), server: { ...caps }, tools, prompts, resources };
  }

  private bounded<T>(what: string, items: T[]): T[] {
    if (items.length <= MAX_LISTED) return items;
    this.log(`it lists ${items.length} ${what}; Berth offers the first ${MAX_LISTED}`);
    return items.slice(0, MAX_LISTED);
  }
}

/** The 2026-07-28 revision, which `protocol: modern` pins. */
const MODERN_VERSION = '2026-07-28';

/** A result forwarded as the server gave it. */
const AnyResult = z.record(z.string(), z.unknown());

/** What a request carries beyond its own params: a retry's answers and state, a 2026-07-28 server's envelope override. */
type Extra = InputRound & { _meta?: Record<string, unknown> };

/** Of a client's capabilities, those a server may ask it to use (roots are Berth's own). */
function asked(caps: ClientCapabilities | undefined): ClientCapabilities {
  return { ...(caps?.sampling && { sampling: caps.sampling }), ...(caps?.elicitation && { elicitation: caps.elicitation }), ...(caps?.extensions && { extensions: caps.extensions }) };
}
