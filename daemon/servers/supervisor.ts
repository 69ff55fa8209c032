import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { AttachedStdio, ContainerRuntime, ContainerSummary } from '../hosts/runtime.js';
import { ensureImage } from '../images/ensureImage.js';
import { ensureEgress, removeEgress, stopEgress } from '../network/egress.js';
import type { AuditEntry, AuditLog } from '../logs/audit.js';
import type { LogStore } from '../logs/store.js';
import type { CallContext } from '../mcp/proxyServer.js';
import type { SecurityContext } from '../policy/context.js';
import { AttachTransport } from '../mcp/attachTransport.js';
import type { ServerSpec } from '../protocol/spec.js';
import type { Capabilities, Phase, ServerStatus } from '../protocol/status.js';
import { statsFromSample, type ServerStats } from '../stats/sample.js';
import { containerOptions } from './containerOptions.js';
import { LABEL } from './labels.js';
import { specHash } from './specFiles.js';
import { VERSION } from '../protocol/version.js';

const HEALTH_HISTORY = 20;
const STOP_TIMEOUT_SECONDS = 5;
const MAX_BACKOFF_MS = 30_000;
/** A server healthy for this long has its crash backoff reset. */
const STABLE_AFTER_MS = 60_000;

export interface SupervisorDeps {
  rt: ContainerRuntime;
  logs: LogStore;
  audit: AuditLog;
  instance: string;
  onChange(): void;
  /** Whether the user wants this server running; persisted by the registry. */
  setDesired(name: string, running: boolean): void;
  /** Secrets, mount re-checks, tool policy, pinning and secret scanning; absent in bare setups. */
  security?: SecurityContext;
}

type Progress = (line: string) => void;

/** Thrown when a run was superseded by a stop/restart/remove; not an error to report. */
class Superseded extends Error {}

/**
 * Owns one server's container: creates or adopts it, attaches to its stdio, speaks MCP to it for
 * health and capabilities, follows its stats, and restarts it with backoff when it crashes.
 */
export class ServerSupervisor {
  phase: Phase = 'stopped';
  message: string | undefined;
  containerId: string | undefined;
  restartCount = 0;
  imageDigest: string | undefined;
  /** What the server itself offers; clients see `capabilities`. */
  private offered: Capabilities | undefined;
  stats: ServerStats | undefined;
  private health: ServerStatus['health'] = [];
  private generation = 0;
  private attached: AttachedStdio | undefined;
  /** The egress proxy's output, copied into this server's log: what it allowed and refused. */
  private egressLog: AttachedStdio | undefined;
  private client: Client | undefined;
  private timers = new Set<NodeJS.Timeout>();
  private statsStream: { close(): void } | undefined;
  private crashes = 0;
  private healthySince = 0;
  private garbage: string | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** Whether this server should be running: a failed start is then tried again, with backoff. */
  private wanted = false;

  constructor(
    public spec: ServerSpec,
    private readonly deps: SupervisorDeps,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  /** What clients see: the server's tools less those its tool policy blocks or pinning withholds. */
  get capabilities(): Capabilities | undefined {
    return this.offered && (this.deps.security?.visible(this.name, this.spec.tools, this.offered) ?? this.offered);
  }

  /** The spec hash with the spec's secret values folded in (keyed), so a changed value means a new container. */
  private containerHash(): string {
    const hash = specHash(this.spec);
    return this.deps.security?.containerHash(hash, this.spec) ?? hash;
  }

  status(): ServerStatus {
    return {
      name: this.name,
      description: this.spec.description,
      host: this.spec.host,
      image: this.spec.image,
      imageDigest: this.imageDigest,
      source: this.spec.source,
      network: this.spec.network,
      phase: this.phase,
      message: this.message === undefined ? undefined : (this.deps.security?.redact(this.message) ?? this.message),
      containerId: this.containerId,
      restartCount: this.restartCount,
      health: this.health,
      stats: this.stats,
      capabilities: this.capabilities,
    };
  }

  get running(): boolean {
    return this.phase === 'healthy' || this.phase === 'unhealthy' || this.phase === 'starting' || this.phase === 'creating';
  }

  /** Operations on one server run one after another; a stop first cancels a start in flight. */
  private serial<T>(op: () => Promise<T>): Promise<T> {
    const next = this.queue.then(op, op);
    this.queue = next.catch(() => undefined);
    return next;
  }

  start(progress: Progress = () => undefined): Promise<void> {
    this.deps.setDesired(this.name, true);
    this.wanted = true;
    return this.serial(async () => {
      if (this.phase === 'healthy' || this.phase === 'unhealthy') return;
      this.crashes = 0;
      await this.run(undefined, progress);
    });
  }

  /** Takes over a container found by label when the daemon starts. */
  adopt(existing: ContainerSummary, wantRunning: boolean): Promise<void> {
    return this.serial(async () => {
      // Another adoption (the engine came back, a spec file was fixed) got here first.
      if (this.running) return;
      this.wanted = wantRunning || existing.state === 'running';
      this.containerId = existing.id;
      if (existing.labels[LABEL.specHash] !== this.containerHash()) {
        this.log(`spec changed since container ${existing.id.slice(0, 12)} was made; recreating it`);
        await this.deps.rt.remove(existing.id);
        this.containerId = undefined;
        if (wantRunning) await this.run(undefined, () => undefined);
        return;
      }
      if (existing.state === 'running') {
        await this.run(existing, () => undefined);
      } else if (wantRunning) {
        this.log('container was not running when the daemon started; starting it');
        await this.run(existing, () => undefined);
      } else {
        this.setPhase('stopped');
      }
    });
  }

  stop(): Promise<void> {
    this.deps.setDesired(this.name, false);
    this.wanted = false;
    this.cancel();
    return this.serial(async () => {
      await this.stopContainer();
      this.setPhase('stopped', undefined);
    });
  }

  restart(progress: Progress = () => undefined): Promise<void> {
    this.deps.setDesired(this.name, true);
    this.wanted = true;
    this.cancel();
    return this.serial(async () => {
      await this.stopContainer();
      this.crashes = 0;
      await this.run(undefined, progress);
    });
  }

  /** Stops and removes the container; the caller forgets the server. */
  remove(): Promise<void> {
    this.wanted = false;
    this.cancel();
    return this.serial(async () => {
      await this.stopContainer();
      if (this.containerId) await this.deps.rt.remove(this.containerId);
      this.containerId = undefined;
      await removeEgress(this.deps.rt, this.deps.instance, this.name);
      this.setPhase('stopped');
    });
  }

  /** The daemon is going away: let go of the container without stopping it. */
  detach(): void {
    this.cancel();
  }

  /** Calls a tool on the shared session, with the spec's timeout, and records it in the audit log. */
  async callTool(tool: string, args: Record<string, unknown> | undefined, ctx: Partial<CallContext> = {}): Promise<CallToolResult> {
    const t = Date.now();
    const audit = (outcome: AuditEntry['outcome'], error?: string) =>
      this.deps.audit.record({ t, client: ctx.client ?? 'unknown', server: this.name, tool, ms: Date.now() - t, outcome, error });
    try {
      this.deps.security?.checkCall(this.name, tool, args, this.offered, this.spec.tools);
      const result = (await this.session().callTool({ name: tool, arguments: args }, undefined, {
        signal: ctx.signal,
        onprogress: ctx.onprogress,
        timeout: this.spec.health.callTimeoutSeconds * 1000,
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

  /** The daemon's own MCP session with the server; one per container, shared by every bridged client. */
  session(): Client {
    if (!this.client || !this.running) throw new Error(`server ${this.name} is ${this.phase}; start it first (berth start ${this.name})`);
    return this.client;
  }

  build(progress: Progress, force: boolean): Promise<void> {
    return ensureImage(this.deps.rt, this.spec, progress, force);
  }

  /** Ends the current run: timers, stats, MCP client, attach. */
  private cancel(): void {
    this.generation++;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.statsStream?.close();
    this.statsStream = undefined;
    const client = this.client;
    this.client = undefined;
    void client?.close().catch(() => undefined);
    this.attached?.close();
    this.attached = undefined;
    this.egressLog?.close();
    this.egressLog = undefined;
  }

  private async stopContainer(): Promise<void> {
    this.cancel();
    if (typeof this.spec.network === 'object') await stopEgress(this.deps.rt, this.deps.instance, this.name);
    if (!this.containerId) return;
    const info = await this.deps.rt.inspect(this.containerId);
    if (!info) {
      this.containerId = undefined;
      return;
    }
    if (info.running) {
      this.log('stopping (SIGTERM, then SIGKILL after 5 s)');
      await this.deps.rt.stop(this.containerId, STOP_TIMEOUT_SECONDS);
    }
    this.stats = undefined;
  }

  /** One run of the server: image, container, attach, MCP initialize, health and stats. */
  private async run(existing: ContainerSummary | undefined, progress: Progress): Promise<void> {
    this.cancel();
    const gen = this.generation;
    const check = () => {
      if (gen !== this.generation) throw new Superseded();
    };
    const { rt } = this.deps;
    this.garbage = undefined;
    /** Past this point a failure is the server's or the engine's, not the spec's: worth another try. */
    let launched = false;
    try {
      this.setPhase('creating', undefined);
      await ensureImage(rt, this.spec, (line) => {
        progress(line);
        this.log(line);
      });
      check();
      this.imageDigest = await rt.imageDigest(this.spec.image);
      const hash = this.containerHash();
      let id = existing?.id ?? this.containerId ?? (await this.findOwnContainer());
      if (id) {
        const info = await rt.inspect(id);
        if (!info || info.labels[LABEL.specHash] !== hash) {
          if (info) {
            this.log('spec changed; recreating the container');
            await rt.remove(id);
          }
          id = undefined;
        }
      }
      await this.prepareNetwork(!id, gen, progress);
      if (!id) {
        progress(`creating container for ${this.name}`);
        const env = this.deps.security?.containerEnv(this.spec) ?? this.spec.env;
        id = await rt.create(containerOptions({ ...this.spec, env }, this.deps.instance, hash));
        this.log(`created container ${id.slice(0, 12)}`);
      }
      this.containerId = id;
      check();
      // Attach before starting so not one byte of the server's output is missed.
      const attachedAt = Date.now();
      const attached = await rt.attach(id);
      if (gen !== this.generation) {
        attached.close();
        throw new Superseded();
      }
      this.attached = attached;
      const info = await rt.inspect(id);
      if (!info) throw new Error(`container ${id.slice(0, 12)} was removed while starting`);
      if (info.running) await this.backfillLogs(id, attachedAt);
      // Subscribed after the backfill, so the log keeps its order; the attach stream buffers meanwhile.
      this.deps.logs.pipe(this.name, 'stderr', attached.stderr);
      if (!info.running) {
        await rt.start(id);
        this.log('container started');
      }
      this.watchExit(id, gen);
      launched = true;
      check();
      this.setPhase('starting');
      progress(`waiting for ${this.name} to answer MCP initialize`);
      await this.connect(attached, gen);
      check();
      this.setPhase('healthy', undefined);
      this.healthySince = Date.now();
      this.scheduleHealth(gen);
      await this.followStats(id, gen);
    } catch (e) {
      if (e instanceof Superseded || gen !== this.generation) return;
      // Read through a widened type: TS narrowed the field when run() reset it above.
      const garbage = this.garbage as string | undefined;
      const reason = garbage
        ? `it wrote non-MCP output to stdout ("${garbage.slice(0, 120)}"); MCP stdio servers must write only protocol messages there`
        : (e as Error).message;
      this.cancel();
      this.setPhase('error', reason);
      this.log(`failed to start: ${reason}`);
      // A server that cannot speak MCP is stopped, not left running unattended.
      if (this.containerId) await this.deps.rt.stop(this.containerId, 1).catch(() => undefined);
      // Its restart policy applies to a failed start as to a crash; a spec problem (an image that
      // cannot be built, a secret set nowhere) is not retried, unless the engine itself was away.
      const transient = launched || !(await engineAnswers(rt));
      if (transient && this.wanted && this.spec.restart !== 'never' && gen + 1 === this.generation) this.recoverWithBackoff();
      throw new Error(`server ${this.name} failed to start: ${reason}`, { cause: e });
    }
  }

  /**
   * An allowlisted server's network and proxy, made to match the spec before the container starts;
   * a server leaving the allowlist mode gets rid of them when its container is made anew.
   */
  private async prepareNetwork(creating: boolean, gen: number, progress: Progress): Promise<void> {
    const { rt, instance } = this.deps;
    if (typeof this.spec.network === 'string') {
      if (creating) await removeEgress(rt, instance, this.name);
      return;
    }
    const proxy = await ensureEgress(rt, { instance, server: this.name, host: this.spec.host, allow: this.spec.network.allow }, progress);
    const log = await rt.attach(proxy);
    if (gen !== this.generation) {
      log.close();
      throw new Superseded();
    }
    this.egressLog = log;
    this.deps.logs.pipe(this.name, 'stderr', log.stderr);
  }

  private async connect(attached: AttachedStdio, gen: number): Promise<void> {
    const timeoutMs = this.spec.health.initializeTimeoutSeconds * 1000;
    const client = this.spec.http ? await this.connectHttp(this.spec.http, attached, timeoutMs) : await this.connectStdio(attached, timeoutMs);
    if (gen !== this.generation) {
      void client.close().catch(() => undefined);
      throw new Superseded();
    }
    this.client = client;
    this.offered = await listCapabilities(client);
    const pins = this.deps.security?.review(this.name, this.offered);
    const withheld = [...(pins?.changed.map((c) => c.tool) ?? []), ...(pins?.added.map((t) => t.name) ?? [])];
    if (withheld.length) this.log(`withholding ${withheld.join(', ')}: changed or new since you approved this server's tools; see \`berth tools pending ${this.name}\`, then \`berth tools approve ${this.name}\``);
  }

  private async connectStdio(attached: AttachedStdio, timeoutMs: number): Promise<Client> {
    const transport = new AttachTransport(attached.stdin, attached.stdout, (line) => {
      this.garbage ??= line;
      this.deps.logs.append(this.name, 'stdout', `${line}\n`);
    });
    const client = newClient();
    try {
      await client.connect(transport, { timeout: timeoutMs });
      return client;
    } catch (e) {
      void client.close().catch(() => undefined);
      if (e instanceof McpError && e.code === ErrorCode.RequestTimeout) throw new Error(`it did not answer MCP initialize within ${timeoutMs / 1000} s`);
      if (e instanceof McpError && e.code === ErrorCode.ConnectionClosed) throw new Error('the container closed its stdio before answering MCP initialize');
      throw e;
    }
  }

  /** An HTTP server: its stdout is a log too, and its port may take a moment to open. */
  private async connectHttp(http: NonNullable<ServerSpec['http']>, attached: AttachedStdio, timeoutMs: number): Promise<Client> {
    this.deps.logs.pipe(this.name, 'stdout', attached.stdout);
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      const info = this.containerId ? await this.deps.rt.inspect(this.containerId) : undefined;
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

  /** Lines an adopted server wrote while no daemon was attached to it. */
  private async backfillLogs(id: string, untilMs: number): Promise<void> {
    const last = await this.deps.logs.lastTimestamp(this.name);
    if (last === undefined) return;
    for (const line of await this.deps.rt.stderrBetween(id, last, untilMs)) {
      if (line.t > last) this.deps.logs.append(this.name, 'stderr', line.text, line.t);
    }
  }

  /** A container of this server that Berth lost track of: reused, so there are never two. */
  private async findOwnContainer(): Promise<string | undefined> {
    const [found] = await this.deps.rt.listManaged({ [LABEL.managed]: 'true', [LABEL.instance]: this.deps.instance, [LABEL.server]: this.name });
    return found?.id;
  }

  private watchExit(id: string, gen: number): void {
    this.deps.rt.wait(id).then(
      (code) => this.onExit(id, gen, code),
      () => this.onExit(id, gen, -1),
    );
  }

  private async onExit(id: string, gen: number, code: number): Promise<void> {
    if (gen !== this.generation) return;
    this.cancel();
    this.stats = undefined;
    let lost: Error | undefined;
    const info = await this.deps.rt.inspect(id).catch((e: Error) => void (lost = e));
    if (lost || info?.running) {
      // The engine, or the SSH link to it, went out of reach, not the container: keep it and re-attach.
      this.setPhase('error', `lost contact with its engine: ${lost?.message ?? 'the wait for its exit broke off'}`);
      this.log(this.message ?? '');
      this.recoverWithBackoff(true);
      return;
    }
    if (!info) {
      this.containerId = undefined;
      this.setPhase('error', 'its container was removed outside Berth');
    } else if (info.oomKilled) {
      this.setPhase('oom-killed', `the kernel killed it for using more than its ${this.spec.limits.memory} memory limit`);
    } else {
      this.setPhase('exited', `it exited with code ${code}`);
    }
    this.log(`container stopped: ${this.message}`);
    const policy = this.spec.restart;
    if (policy === 'never' || (policy === 'on-failure' && code === 0 && !info?.oomKilled)) return;
    this.recoverWithBackoff();
  }

  /** Crashed or unhealthy: run again after 1 s, 2 s, 4 s … up to 30 s; a stable minute resets it. */
  private recoverWithBackoff(reattach = false): void {
    if (Date.now() - this.healthySince > STABLE_AFTER_MS) this.crashes = 0;
    const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** this.crashes);
    this.crashes++;
    this.log(`restarting in ${delay / 1000} s (attempt ${this.crashes})`);
    const restartGen = this.generation;
    this.timer(delay, () => {
      if (restartGen !== this.generation) return;
      this.restartCount++;
      void this.serial(async () => {
        // An engine that is away fails the stop too; the run then says so and tries again later.
        if (!reattach) await this.stopContainer().catch(() => undefined);
        await this.run(undefined, () => undefined);
      }).catch(() => undefined);
    });
  }

  private scheduleHealth(gen: number): void {
    const { intervalSeconds, timeoutSeconds, failuresBeforeUnhealthy } = this.spec.health;
    this.timer(intervalSeconds * 1000, async () => {
      const client = this.client;
      if (gen !== this.generation || !client) return;
      const t0 = Date.now();
      try {
        await client.ping({ timeout: timeoutSeconds * 1000 });
        this.recordHealth({ t: t0, ok: true, ms: Date.now() - t0 });
        if (this.phase === 'unhealthy') {
          this.log('answering pings again');
          this.setPhase('healthy', undefined);
        }
      } catch (e) {
        if (gen !== this.generation) return;
        this.recordHealth({ t: t0, ok: false, error: (e as Error).message });
        const failures = this.trailingFailures();
        if (failures >= failuresBeforeUnhealthy && this.phase !== 'unhealthy') {
          this.setPhase('unhealthy', `it did not answer ${failures} pings in a row`);
          this.log(`unhealthy: ${this.message}; restarting it`);
          this.cancel();
          this.recoverWithBackoff();
          return;
        }
      }
      this.scheduleHealth(gen);
    });
  }

  private trailingFailures(): number {
    let n = 0;
    for (let i = this.health.length - 1; i >= 0 && this.health[i]?.ok === false; i--) n++;
    return n;
  }

  private recordHealth(check: ServerStatus['health'][number]): void {
    this.health = [...this.health, check].slice(-HEALTH_HISTORY);
    this.deps.onChange();
  }

  private async followStats(id: string, gen: number): Promise<void> {
    const stream = await this.deps.rt.stats(id, (sample) => {
      const s = statsFromSample(sample);
      if (s && gen === this.generation) {
        this.stats = s;
        this.deps.onChange();
      }
    });
    if (gen !== this.generation) stream.close();
    else this.statsStream = stream;
  }

  private timer(ms: number, fn: () => void | Promise<void>): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      void fn();
    }, ms);
    this.timers.add(t);
  }

  private setPhase(phase: Phase, message?: string): void {
    this.phase = phase;
    if (arguments.length > 1) this.message = message;
    this.deps.onChange();
  }

  private log(text: string): void {
    this.deps.logs.append(this.name, 'berth', `${text}\n`);
  }
}

async function engineAnswers(rt: ContainerRuntime): Promise<boolean> {
  return rt.ping().then(
    () => true,
    () => false,
  );
}

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
