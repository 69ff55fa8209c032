import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError, type CallToolResult, type GetPromptResult, type ReadResourceResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { AttachedStdio, ContainerRuntime } from '../hosts/runtime.js';
import type { AuditEntry, AuditLog } from '../logs/audit.js';
import type { LogStore } from '../logs/store.js';
import { AttachTransport } from '../mcp/attachTransport.js';
import type { CallContext, UpstreamListener } from '../mcp/callContext.js';
import type { SecurityContext } from '../policy/context.js';
import type { ServerSpec } from '../protocol/spec.js';
import type { Capabilities, Phase } from '../protocol/status.js';
import { VERSION } from '../protocol/version.js';
import { Superseded } from './superseded.js';

export interface SessionDeps {
  rt: ContainerRuntime;
  logs: LogStore;
  audit: AuditLog;
  security?: SecurityContext;
}

/** What the session reads of its server's supervisor, as it is at each moment. */
export interface SessionServer {
  readonly spec: ServerSpec;
  readonly phase: Phase;
  readonly running: boolean;
  readonly containerId: string | undefined;
}

/**
 * The daemon's own MCP session with one server, one per container and shared by every bridged
 * client: it connects over the container's stdio or its HTTP endpoint, learns what the server
 * offers, and makes tool calls under the tool policy, each recorded in the audit log.
 */
export class McpSession {
  private client: Client | undefined;
  /** What the server itself offers; clients see `capabilities`. */
  private offered: Capabilities | undefined;
  private strayOutput: string | undefined;
  private readonly listeners = new Set<UpstreamListener>();

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

  /** The first line this run's server wrote to stdout that is not MCP: why it could not start. */
  get garbage(): string | undefined {
    return this.strayOutput;
  }

  /** Calls a tool on the shared session, with the spec's timeout, and records it in the audit log. */
  async callTool(tool: string, args: Record<string, unknown> | undefined, ctx: Partial<CallContext> = {}): Promise<CallToolResult> {
    const t = Date.now();
    const audit = (outcome: AuditEntry['outcome'], error?: string) =>
      this.deps.audit.record({ t, client: ctx.client ?? 'unknown', server: this.name, tool, ms: Date.now() - t, outcome, error });
    try {
      this.deps.security?.checkCall(this.name, tool, args, this.offered, this.server.spec.tools);
      const result = (await this.session().callTool({ name: tool, arguments: args }, undefined, {
        signal: ctx.signal,
        onprogress: ctx.onprogress,
        timeout: this.server.spec.health.callTimeoutSeconds * 1000,
        resetTimeoutOnProgress: true,
      })) as CallToolResult;
      this.deps.security?.checkResult(this.name, tool, result);
      audit(result.isError ? 'tool-error' : 'ok');
      return result;
    } catch (e) {
      if (e instanceof McpError && /^MCP error -?\d+: (?:blocked by|tool "[^"]*" (?:is blocked|of server \S+ is withheld))/.test(e.message)) this.log(`refused a call of ${tool}: ${e.message}`);
      audit('error', (e as Error).message);
      throw e;
    }
  }

  getPrompt(prompt: string, args: Record<string, string> | undefined, ctx: Partial<CallContext>): Promise<GetPromptResult> {
    return this.session().getPrompt({ name: prompt, arguments: args }, { signal: ctx.signal });
  }

  readResource(uri: string, ctx: Partial<CallContext>): Promise<ReadResourceResult> {
    return this.session().readResource({ uri }, { signal: ctx.signal });
  }

  async request(method: string, params: Record<string, unknown> | undefined, ctx: Partial<CallContext>): Promise<Record<string, unknown>> {
    return this.session().request({ method, params }, AnyResult, { signal: ctx.signal });
  }

  onNotification(listener: UpstreamListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  session(): Client {
    if (!this.client || !this.server.running) throw new Error(`server ${this.name} is ${this.server.phase}; start it first (berth start ${this.name})`);
    return this.client;
  }

  /** MCP initialize with this run's container, then what it offers; throws Superseded once `current()` no longer holds. */
  async connect(attached: AttachedStdio, current: () => boolean): Promise<void> {
    const timeoutMs = this.server.spec.health.initializeTimeoutSeconds * 1000;
    const client = this.server.spec.http ? await this.connectHttp(this.server.spec.http, attached, timeoutMs) : await this.connectStdio(attached, timeoutMs);
    if (!current()) {
      void client.close().catch(() => undefined);
      throw new Superseded();
    }
    this.client = client;
    client.fallbackNotificationHandler = (n) => {
      for (const listener of this.listeners) listener(n.method, n.params ?? {});
      return Promise.resolve();
    };
    this.offered = await listCapabilities(client);
    const pins = this.deps.security?.review(this.name, this.offered);
    const withheld = [...(pins?.changed.map((c) => c.tool) ?? []), ...(pins?.added.map((t) => t.name) ?? [])];
    if (withheld.length) this.log(`withholding ${withheld.join(', ')}: changed or new since you approved this server's tools; see \`berth tools pending ${this.name}\`, then \`berth tools approve ${this.name}\``);
  }

  /** The run ended: the client goes, and so does what the server wrote off-protocol; what it offers stays known. */
  end(): void {
    this.strayOutput = undefined;
    const client = this.client;
    this.client = undefined;
    void client?.close().catch(() => undefined);
  }

  private async connectStdio(attached: AttachedStdio, timeoutMs: number): Promise<Client> {
    const transport = new AttachTransport(attached.stdin, attached.stdout, (line) => {
      this.strayOutput ??= line;
      this.deps.logs.append(this.name, 'stdout', `${line}\n`);
    });
    const client = newClient();
    try {
      await client.connect(transport, { timeout: timeoutMs });
      return client;
    } catch (e) {
      void client.close().catch(() => undefined);
      const code = e instanceof McpError ? (e.code as ErrorCode) : undefined;
      if (code === ErrorCode.RequestTimeout) throw new Error(`it did not answer MCP initialize within ${timeoutMs / 1000} s`);
      if (code === ErrorCode.ConnectionClosed) throw new Error('the container closed its stdio before answering MCP initialize');
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
        const client = newClient();
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
}

/** A result forwarded as the server gave it. */
const AnyResult = z.record(z.string(), z.unknown());

function newClient(): Client {
  return new Client({ name: 'berth-daemon', version: VERSION }, { capabilities: {} });
}

async function listCapabilities(client: Client): Promise<Capabilities> {
  const caps = client.getServerCapabilities() ?? {};
  const [tools, prompts, resources] = await Promise.all([
    caps.tools ? client.listTools().then((r) => r.tools) : [],
    caps.prompts ? client.listPrompts().then((r) => r.prompts) : [],
    caps.resources ? client.listResources().then((r) => r.resources) : [],
  ]);
  return { serverInfo: client.getServerVersion(), instructions: client.getInstructions(), tools, prompts, resources };
}
