import type Docker from 'dockerode';
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { ConflictError, EngineUnavailableError, InvalidSpecError, NotFoundError } from '../protocol/errors.js';
import { LOCAL_HOST, type HostInfo, type HostReport } from '../protocol/hosts.js';
import { DockerRuntime, localDocker } from './dockerRuntime.js';
import { hostsFile, loadHosts, saveHosts, type StoredHost } from './hostStore.js';
import { pingWithin } from './pingWithin.js';
import type { ContainerRuntime } from './runtime.js';
import { SingleFlight } from './singleFlight.js';
import { SshConnection } from './ssh/connection.js';
import { dockerForSsh } from './ssh/dockerForSsh.js';
import { fetchOverSsh } from './ssh/fetchOverSsh.js';
import { KnownHosts } from './ssh/knownHosts.js';
import { probeHost, testConnection } from './ssh/probe.js';
import { resolveTarget, sshEnv, SshUrl } from './ssh/sshConfig.js';

/** How long `hosts/list` waits for one host's engine before calling it down. */
const LIST_PING_MS = 5_000;

interface RemoteHost extends StoredHost {
  connection: SshConnection | undefined;
  runtime: ContainerRuntime;
  /** The engine behind `runtime`; undefined when the host's ~/.ssh/config entry could not be read (`error` says why). */
  engine: Docker | undefined;
  error?: Error;
}

export interface HostsOptions {
  configDir: string;
  stateDir: string;
  local: ContainerRuntime;
  /** For the local host's line in `hosts/list`. */
  localAddress: string;
}

export interface TestOptions {
  passphrase?: string;
  acceptHostKey?: string;
  onProgress?: (line: string) => void;
}

/**
 * Every host servers can run on: the local engine and the SSH hosts in the hosts file, each with
 * one connection and one runtime. `up` fires when a remote host's connection comes (back) up, so
 * the registry can adopt what runs there.
 */
export class Hosts extends EventEmitter<{ up: [string]; down: [string] }> {
  readonly knownHosts: KnownHosts;
  /** Set when the hosts file could not be read; the local host works regardless. */
  loadError: string | undefined;
  private remote = new Map<string, RemoteHost>();
  private delegates = new Map<string, ContainerRuntime>();
  /** Tests and probes in progress, by what they test and with which credentials: parallel calls join one. */
  private tests = new SingleFlight<HostReport>();
  /** Names being saved and attached right now: taken, though not in `remote` yet. */
  private adding = new Map<string, StoredHost>();
  private localEngine: Docker | undefined;

  constructor(private readonly o: HostsOptions) {
    super();
    const ssh = path.join(sshEnv().home, '.ssh');
    this.knownHosts = new KnownHosts(path.join(o.stateDir, 'known_hosts'), [path.join(ssh, 'known_hosts'), path.join(ssh, 'known_hosts2'), '/etc/ssh/ssh_known_hosts']);
  }

  private get file(): string {
    return hostsFile(this.o.configDir);
  }

  async open(): Promise<void> {
    try {
      for (const h of await loadHosts(this.file)) await this.attach(h);
    } catch (e) {
      this.loadError = (e as Error).message;
    }
  }

  close(): void {
    for (const h of this.remote.values()) h.connection?.close();
  }

  names(): string[] {
    return [LOCAL_HOST, ...this.remote.keys()];
  }

  /**
   * The runtime for a host name, stable for the daemon's life: it forwards to whatever the name
   * means at each call, so a spec may name a host before it is added, and a removed host's
   * servers fail with a sentence instead of a stale connection.
   */
  runtime(name: string): ContainerRuntime {
    if (name === LOCAL_HOST) return this.o.local;
    let rt = this.delegates.get(name);
    if (!rt) {
      rt = forwardTo(() => this.remote.get(name)?.runtime ?? failing(new NotFoundError(`there is no host named "${name}"; add it with \`berth host add ${name} ssh://user@host\``)));
      this.delegates.set(name, rt);
    }
    return rt;
  }

  /**
   * The Docker API of a host's engine itself, for the MCP tools that expose Docker to agents
   * (berthMcp/docker/): everything else goes through `runtime`. Throws the sentence a runtime's
   * calls would for a host that does not exist or cannot be used; a host that is down fails on
   * the first call, with its connection's reason.
   */
  engine(name: string): Docker {
    if (name === LOCAL_HOST) return (this.localEngine ??= localDocker());
    const h = this.remote.get(name);
    if (!h) throw new NotFoundError(`there is no host named "${name}"; add it with \`berth host add ${name} ssh://user@host\``);
    if (!h.engine) throw h.error ?? new EngineUnavailableError(`host ${name} cannot be used`);
    return h.engine;
  }

  async list(serversOn: (host: string) => number): Promise<HostInfo[]> {
    const local = (async (): Promise<HostInfo> => {
      const v = await pingWithin(this.o.local, LIST_PING_MS).catch((e: Error) => e);
      const base = { name: LOCAL_HOST, url: this.o.localAddress, servers: serversOn(LOCAL_HOST) };
      return v instanceof Error ? { ...base, state: 'down', error: v.message } : { ...base, state: 'up', engineVersion: v.version };
    })();
    const remotes = [...this.remote.values()].map(async (h): Promise<HostInfo> => {
      const v = await pingWithin(h.runtime, LIST_PING_MS).catch((e: Error) => e);
      const base = { name: h.name, url: h.url, servers: serversOn(h.name) };
      return v instanceof Error ? { ...base, state: 'down', error: v.message } : { ...base, state: h.connection?.state ?? 'up', engineVersion: v.version };
    });
    return Promise.all([local, ...remotes]);
  }

  /** Tests first; only a host that passes is saved. */
  async add(name: string, url: string, o: TestOptions): Promise<{ host?: StoredHost; report: HostReport }> {
    const taken = () => new ConflictError(`a host named "${name}" already exists; remove it first (berth host rm ${name})`);
    if (this.remote.has(name) || this.adding.has(name)) throw taken();
    const parsed = SshUrl.safeParse(url);
    if (!parsed.success) throw new InvalidSpecError(parsed.error.issues[0]?.message ?? 'not an ssh:// URL');
    const report = await this.probe(name, url, o);
    if (!report.ok) return { report };
    // Adds of one name at once shared the probe above; the first one adds it.
    if (this.remote.has(name) || this.adding.has(name)) throw taken();
    const host = { name, url };
    this.adding.set(name, host);
    let attached;
    try {
      // With the other hosts being added at this moment, so two adds at once keep both.
      await saveHosts(this.file, [...this.remote.values(), ...this.adding.values()]);
      attached = await this.attach(host);
    } finally {
      this.adding.delete(name);
    }
    attached.connection?.setCredentials({ passphrase: o.passphrase });
    void attached.connection?.connect().catch(() => undefined);
    return { host, report };
  }

  async remove(name: string, serversOnIt: string[]): Promise<void> {
    const h = this.remote.get(name);
    if (!h) throw new NotFoundError(`there is no host named "${name}"; \`berth host ls\` lists them`);
    if (serversOnIt.length) throw new ConflictError(`host ${name} still has servers (${serversOnIt.join(', ')}); remove them first (berth rm NAME)`);
    this.remote.delete(name);
    await saveHosts(this.file, [...this.remote.values(), ...this.adding.values()]);
    h.connection?.close();
  }

  /**
   * An added host is tested on its own connection (connecting it now if it is down), and tests of
   * it at once share one run: parallel tests open no connections beside the one it keeps.
   */
  async test(name: string, o: TestOptions): Promise<HostReport> {
    if (name === LOCAL_HOST) {
      const v = await this.o.local.ping().catch((e: Error) => e);
      if (v instanceof Error) return { ok: false, checks: [{ check: 'engine', ok: false, detail: v.message }], error: v.message };
      return { ok: true, checks: [{ check: 'engine', ok: true, detail: `Docker ${v.version} at ${this.o.localAddress}` }], engineVersion: v.version, apiVersion: v.apiVersion };
    }
    const h = this.remote.get(name);
    if (!h) throw new NotFoundError(`there is no host named "${name}"; \`berth host ls\` lists them`);
    const conn = h.connection;
    // A host whose ~/.ssh/config entry could not be read: a fresh probe says what is wrong with it now.
    if (!conn) return this.probe(name, h.url, o);
    return this.tests.run(
      flightKey('test', name, o),
      (progress) => {
        // What the user gives here (a passphrase, an accepted key) is for the host's connection itself.
        if (conn.state !== 'up') conn.setCredentials({ passphrase: o.passphrase, acceptFingerprint: o.acceptHostKey });
        return testConnection(conn, () => h.runtime.ping(), progress);
      },
      o.onProgress,
    );
  }

  /** `target`: a registered host's name, or the URL of one being added. */
  acceptKey(target: string, fingerprint: string): Promise<HostReport> {
    const h = this.remote.get(target);
    return h ? this.test(target, { acceptHostKey: fingerprint }) : this.probe(target, target, { acceptHostKey: fingerprint });
  }

  /** A host not added yet, on a connection of its own; probes of one URL at once share it. */
  private probe(name: string, url: string, o: TestOptions): Promise<HostReport> {
    return this.tests.run(
      flightKey('probe', url, o),
      (progress) => probeHost(name, url, { knownHosts: this.knownHosts, passphrase: o.passphrase, acceptFingerprint: o.acceptHostKey, onProgress: progress }),
      o.onProgress,
    );
  }

  private async attach(h: StoredHost): Promise<RemoteHost> {
    let entry: RemoteHost;
    try {
      const connection = new SshConnection(h.name, await resolveTarget(SshUrl.parse(h.url)), { knownHosts: this.knownHosts });
      connection.on('up', () => this.emit('up', h.name));
      connection.on('down', () => this.emit('down', h.name));
      const engine = dockerForSsh(connection);
      entry = { ...h, connection, engine, runtime: Object.assign(new DockerRuntime(engine), { fetch: fetchOverSsh(connection) }) };
    } catch (e) {
      // A broken ~/.ssh/config entry for this host: its servers say so, the others carry on.
      const error = new EngineUnavailableError(`host ${h.name}: ${(e as Error).message}`, { cause: e });
      entry = { ...h, connection: undefined, engine: undefined, error, runtime: failing(error) };
    }
    this.remote.set(h.name, entry);
    return entry;
  }
}

/** Calls with other credentials do not share a result: one may succeed where the other must not. */
function flightKey(kind: 'test' | 'probe', target: string, o: TestOptions): string {
  return JSON.stringify([kind, target, o.passphrase ?? null, o.acceptHostKey ?? null]);
}

/** A runtime whose every call goes to the one `resolve` gives at that moment. */
function forwardTo(resolve: () => ContainerRuntime): ContainerRuntime {
  return new Proxy({} as ContainerRuntime, {
    // Not a thenable: `await` on a runtime must not call into it.
    get: (_t, method) => method === 'then' ? undefined : (...args: unknown[]) => {
      const rt = resolve();
      return (Reflect.get(rt, method) as (...a: unknown[]) => unknown).apply(rt, args);
    },
  });
}

/** A runtime for a host that cannot be used: every call rejects with the error that says why. */
function failing(error: Error): ContainerRuntime {
  return new Proxy({} as ContainerRuntime, { get: (_t, method) => (method === 'then' ? undefined : () => Promise.reject(error)) });
}
