import { randomUUID } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { createMessageConnection, ErrorCodes, ResponseError, SocketMessageReader, type MessageConnection } from 'vscode-jsonrpc/node';
import type { Gateway } from '../gateway/server.js';
import type { ContainerRuntime } from '../hosts/runtime.js';
import { compileGrep } from '../logs/grep.js';
import type { LogStore } from '../logs/store.js';
import { ConflictError, NotFoundError } from '../protocol/errors.js';
import * as M from '../protocol/methods.js';
import { CATALOG, searchCatalog } from '../servers/catalog.js';
import type { Registry } from '../servers/registry.js';
import { workspaceSpecFile } from '../servers/specFiles.js';
import { parseCpus, parseMemory } from '../servers/units.js';
import { registerClientHandlers } from '../clients/handlers.js';
import { Catalogs } from '../catalog/catalogs.js';
import { registerCatalogHandlers } from '../catalog/handlers.js';
import { registerHostHandlers } from './hostHandlers.js';
import { registerTunnelHandlers } from './tunnelHandlers.js';
import { registerMetricsHandlers } from './metricsHandlers.js';
import { registerSpecHandlers } from './specHandlers.js';
import type { Metrics } from '../metrics/metrics.js';
import type { AlertsState } from '../protocol/alerts.js';
import { AlertsDidChange } from '../protocol/metrics.js';
import type { SecurityContext } from '../policy/context.js';
import { registerPolicyHandlers } from '../policy/handlers.js';
import { RedactingMessageWriter } from './redactMessages.js';
import { NO_SECRETS } from '../secrets/redact.js';
import { FrameGuard } from './frameGuard.js';
import { daemonLog } from '../daemonLog.js';
import { handle, isInitialized, markInitialized, notify } from './rpc.js';
import type { RunnerDeps } from '../testing/runner.js';
import { registerTestHandlers } from '../testing/handlers.js';
import { imageOf } from '../servers/kind.js';
import { registerUpdateHandlers } from '../updates/handlers.js';
import type { Updates } from '../updates/updates.js';

export interface ApiContext {
  version: string;
  userSpecFile: string;
  rt: ContainerRuntime;
  registry: Registry;
  logs: LogStore;
  /** Settles once the registry has loaded and queued its adoptions; requests wait for it. */
  ready: Promise<void>;
  gateway: Gateway;
  metrics: Metrics;
  security?: SecurityContext;
  /** What test runs need beyond the registry: the audit log, the instance, the state folder. */
  testing: Omit<RunnerDeps, 'rt' | 'registry' | 'logs' | 'security'>;
  updates: Updates;
  shutdown(): void;
}

/** One client connection (a CLI invocation, an extension window). */
class Session {
  clientName = 'unknown';
  follows = new Map<string, { dispose(): void }>();
  /** Aborted when the connection goes: a test run of a killed CLI stops and removes its containers. */
  readonly closed = new AbortController();
  constructor(readonly connection: MessageConnection) {}
  dispose(): void {
    for (const f of this.follows.values()) f.dispose();
    this.follows.clear();
    this.closed.abort();
  }
}

/** Serves the JSON-RPC API on an already-listening socket server. */
export class ApiServer {
  private sessions = new Set<Session>();
  /** Catalogs beside the built-in one, kept in Berth's config folder next to the user spec file. */
  private readonly catalogs: Catalogs;

  constructor(private readonly ctx: ApiContext) {
    this.catalogs = new Catalogs(path.dirname(ctx.userSpecFile));
  }

  attach(server: net.Server): void {
    server.on('connection', (socket) => this.accept(socket));
  }

  broadcastServers(): void {
    const servers = this.ctx.registry.list();
    for (const s of this.sessions) if (isInitialized(s.connection)) notify(s.connection, M.ServersDidChange, { servers });
  }

  broadcastAlerts(state: AlertsState): void {
    for (const s of this.sessions) if (isInitialized(s.connection)) notify(s.connection, AlertsDidChange, state);
  }

  private accept(socket: net.Socket): void {
    const writer = new RedactingMessageWriter(socket, this.ctx.security?.redactor ?? NO_SECRETS);
    const connection = createMessageConnection(new SocketMessageReader(socket), writer);
    const guard = new FrameGuard();
    const watchFrames = (chunk: Buffer) => {
      const refusal = guard.push(chunk);
      if (!refusal) return;
      socket.off('data', watchFrames);
      socket.pause();
      daemonLog(`closed a daemon API connection that sent ${refusal}`);
      // Said once, framed, before the connection goes; the reader never gets to buffer the body.
      const body = JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: ErrorCodes.InvalidRequest, message: `refused ${refusal}; the connection is closed` } });
      // Half-closed, so the sender reads this before it sees the connection go; cut if it lingers.
      socket.end(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      setTimeout(() => socket.destroy(), 2000).unref();
    };
    const session = new Session(connection);
    this.sessions.add(session);
    connection.onClose(() => {
      session.dispose();
      this.sessions.delete(session);
    });
    connection.onError(() => socket.destroy());
    connection.onNotification(M.Exit.method, () => {
      socket.end();
    });
    this.register(session);
    // Unread messages wait in the socket until the registry is ready.
    void this.ctx.ready.then(() => {
      // Both readers subscribe together, so neither misses a byte (nothing flows before this).
      socket.on('data', watchFrames);
      connection.listen();
    });
  }

  private register(session: Session): void {
    const { connection } = session;
    const { registry, logs, rt } = this.ctx;
    // Each request sees the spec files as they are when it arrives, not as the watcher last saw them.
    const current = async (name: string) => {
      await registry.sync();
      return registry.get(name);
    };
    const progress = (token: string | undefined) => (message: string) => {
      if (token) notify(connection, M.ProgressDidReport, { token, message });
    };

    handle(connection, M.Initialize, (p) => {
      const { protocolVersion, client } = p.initializationOptions;
      if (protocolVersion !== M.PROTOCOL_VERSION) {
        throw new ResponseError(
          ErrorCodes.InvalidRequest,
          `protocol mismatch: ${client.name} ${client.version} speaks Berth protocol ${protocolVersion}, this daemon (${this.ctx.version}) speaks ${M.PROTOCOL_VERSION}; stop the old daemon (kill ${process.pid}) so a matching one starts`,
        );
      }
      markInitialized(connection);
      session.clientName = client.name;
      return {
        capabilities: {},
        serverInfo: { name: 'berth', version: this.ctx.version },
        protocolVersion: M.PROTOCOL_VERSION,
        daemon: { pid: process.pid, version: this.ctx.version },
      };
    });
    handle(connection, M.Shutdown, () => null);
    // Answered at once, whatever else runs: clients use it to tell a busy daemon from a stuck one.
    handle(connection, M.DaemonPing, () => ({}));

    handle(connection, M.DaemonStatus, async () => {
      const engine = await rt.ping().then(
        (v) => ({ ok: true, version: v.version }),
        (e: Error) => ({ ok: false, error: e.message }),
      );
      await registry.sync();
      return { pid: process.pid, version: this.ctx.version, userSpecFile: this.ctx.userSpecFile, engine, specErrors: registry.specErrors, notices: registry.notices };
    });

    handle(connection, M.DaemonShutdown, () => {
      setImmediate(() => this.ctx.shutdown());
      return {};
    });

    handle(connection, M.WorkspacesList, () => registry.listWorkspaces().map((folder) => ({ folder, specFile: workspaceSpecFile(folder) })));

    handle(connection, M.WorkspacesAdd, async (p) => {
      await registry.addWorkspace(path.resolve(p.folder));
      return {};
    });

    handle(connection, M.WorkspacesApprove, (p) => registry.approve(path.resolve(p.folder), p.server, p.hash));

    handle(connection, M.WorkspacesRemove, async (p) => {
      await registry.removeWorkspace(path.resolve(p.folder));
      return {};
    });

    handle(connection, M.CatalogList, (p) => searchCatalog(p.query).map((e) => ({ id: e.id, description: e.description, image: e.spec.image, npm: e.spec.build.npm, requires: e.requires })));

    handle(connection, M.ServersList, async (p) => {
      if (p.name) return [(await current(p.name)).status()];
      await registry.sync();
      return registry.list();
    });

    handle(connection, M.ServersAdd, async (p) => {
      if (p.catalog !== undefined && !CATALOG.some((e) => e.id === p.catalog)) {
        throw new NotFoundError(`there is no catalog entry "${p.catalog}"; run \`berth catalog\` to see them`);
      }
      // Checked here too so the user reads about the flag they typed, not a spec-file path.
      if (p.memory !== undefined) parseMemory(p.memory);
      if (p.cpus !== undefined) parseCpus(p.cpus);
      const limits = p.memory || p.cpus ? { ...(p.memory ? { memory: p.memory } : {}), ...(p.cpus ? { cpus: p.cpus } : {}) } : undefined;
      await registry.sync();
      const sup = await registry.add(p.name, {
        host: p.host,
        catalog: p.catalog,
        image: p.image,
        build: p.build,
        args: p.args,
        env: p.env,
        volumes: p.volumes?.map((v) => ({ source: v.source, target: v.target, readOnly: v.readOnly, allowSensitive: v.allowSensitive })),
        limits,
        network: p.network,
      });
      if (p.start) {
        await sup.start(progress(p.progressToken)).catch((e: Error) => {
          throw new Error(`added ${p.name}, but ${e.message.replace(`server ${p.name} `, 'it ')}; fix that and \`berth start ${p.name}\`, or \`berth rm ${p.name}\` to remove it`, { cause: e });
        });
      }
      return sup.status();
    });

    handle(connection, M.ServersStart, async (p) => {
      const sup = await current(p.name);
      await sup.start(progress(p.progressToken));
      return sup.status();
    });

    handle(connection, M.ServersStop, async (p) => {
      const sup = await current(p.name);
      await sup.stop();
      return sup.status();
    });

    handle(connection, M.ServersRestart, async (p) => {
      const sup = await current(p.name);
      await sup.restart(progress(p.progressToken));
      return sup.status();
    });

    handle(connection, M.ServersRemove, async (p) => {
      await registry.sync();
      const { keptVolume } = await registry.remove(p.name, p.volumes ?? false);
      return { removed: p.name, ...(keptVolume && { keptVolume }) };
    });

    handle(connection, M.ServersBuild, async (p) => {
      const sup = await current(p.name);
      await sup.build(progress(p.progressToken), p.force ?? false);
      return { image: imageOf(sup.spec) };
    });

    handle(connection, M.ServersCapabilities, async (p) => {
      const sup = await current(p.name);
      if (!sup.capabilities) throw new ConflictError(`server ${p.name} is ${sup.phase}; its tools are known once it has started (berth start ${p.name})`);
      return sup.capabilities;
    });

    // Calls are the hot path: a running server's calls do not wait on the spec files.
    handle(connection, M.ServersCallTool, (p) => registry.get(p.name).callTool(p.tool, p.arguments, { client: p.client ?? session.clientName }));

    handle(connection, M.ServersGetPrompt, (p) => registry.get(p.name).getPrompt(p.prompt, p.arguments));

    handle(connection, M.ServersReadResource, (p) => registry.get(p.name).readResource(p.uri));

    handle(connection, M.GatewayEndpoint, async (p) => {
      if (p.name) await current(p.name);
      const query = new URLSearchParams();
      if (p.servers?.length) query.set('servers', p.servers.join(','));
      if (p.tools?.length) query.set('tools', p.tools.join(','));
      const search = query.size ? `?${query.toString()}` : '';
      return { url: `${this.ctx.gateway.url(p.name)}${search}`, headers: { Authorization: `Bearer ${this.ctx.gateway.token}` } };
    });

    handle(connection, M.LogsQuery, async (p) => {
      await current(p.name);
      return logs.query(p.name, { lines: p.lines, since: p.since, grep: p.grep });
    });

    handle(connection, M.LogsFollow, async (p) => {
      await current(p.name);
      const grep = p.grep === undefined ? undefined : compileGrep(p.grep);
      const subscription = randomUUID();
      const follow = logs.follow(p.name, (line) => {
        if (!grep || grep(line.text)) notify(connection, M.LogsDidAppend, { subscription, lines: [line] });
      });
      session.follows.set(subscription, follow);
      return { subscription };
    });

    handle(connection, M.LogsUnfollow, (p) => {
      session.follows.get(p.subscription)?.dispose();
      session.follows.delete(p.subscription);
      return {};
    });
    registerTestHandlers(connection, { ...this.ctx.testing, rt, registry, logs, security: this.ctx.security }, session.closed.signal);
    registerClientHandlers(connection, {
      servers: () => registry.list().map((s) => s.name),
      imports: {
        has: (name) => registry.has(name),
        add: async (name, spec) => void (await registry.add(name, spec)),
        remove: async (name) => void (await registry.remove(name)),
        storedSecret: (name) => this.ctx.security?.secrets.get(name),
        setSecret: (name, value) => {
          if (!this.ctx.security) throw new Error('this daemon keeps no secrets, so an entry with one cannot be imported');
          this.ctx.security.secrets.set(name, value);
        },
      },
    });
    registerCatalogHandlers(connection, { catalogs: this.catalogs, registry, progress });
    registerUpdateHandlers(connection, { updates: this.ctx.updates, registry, progress });
    registerHostHandlers(connection, { hosts: registry.hosts, servers: () => registry.list(), progress });
    registerMetricsHandlers(connection, { metrics: this.ctx.metrics, servers: () => registry.list().map((s) => s.name), requireServer: (name) => void registry.get(name) });
    registerTunnelHandlers(connection, { gateway: this.ctx.gateway, sync: () => registry.sync() });
    registerSpecHandlers(connection, { registry, userSpecFile: this.ctx.userSpecFile });
    const security = this.ctx.security;
    if (security) {
      const secretUsers = (secret: string) => registry.all().filter((s) => s.spec.secrets.includes(secret)).map((s) => s.name);
      const namedSecrets = () => registry.all().flatMap((s) => s.spec.secrets);
      registerPolicyHandlers(connection, { security, secretUsers, namedSecrets, requireServer: (name) => void registry.get(name) });
    }
  }
}
