import type { CallToolResult, GetPromptResult, ReadResourceResult } from '@modelcontextprotocol/client';
import type { AttachedStdio, ContainerRuntime, ContainerSummary } from '../hosts/runtime.js';
import { ensureImage } from '../images/ensureImage.js';
import { provenanceOf } from '../images/provenance.js';
import { imageOf, kindOf, runsWhat } from './kind.js';
import { remoteConnection, spawnExternal } from './outside.js';
import { ensureEgress, removeEgress, stopEgress } from '../network/egress.js';
import type { AuditLog } from '../logs/audit.js';
import type { LogStore } from '../logs/store.js';
import type { CallContext, UpstreamListener } from '../mcp/callContext.js';
import type { SecurityContext } from '../policy/context.js';
import { missingSource, resolveExisting } from '../policy/mounts.js';
import { LOCAL_HOST } from '../protocol/hosts.js';
import type { ServerSpec } from '../protocol/spec.js';
import type { Capabilities, Phase, Provenance, ServerStatus } from '../protocol/status.js';
import type { AvailableUpdate } from '../protocol/updates.js';
import type { ServerStats } from '../stats/sample.js';
import { backfillLogs, findOwnContainer, prepareNetwork, reusableContainer } from './containerSetup.js';
import { containerOptions } from './containerOptions.js';
import { HealthMonitor } from './healthMonitor.js';
import { movedTagSentence, type ImagePins } from './imagePins.js';
import { LABEL, containerName, stateVolumeName } from './labels.js';
import { McpSession } from './mcpSession.js';
import { CrashBackoff, engineAnswers, restartsAfterExit } from './restartPolicy.js';
import { specHash } from './specFiles.js';
import { StatsFollower } from './statsFollower.js';
import { Superseded } from './superseded.js';
import type { Admission } from '../trust/admission.js';

const STOP_TIMEOUT_SECONDS = 5;

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
  /** The image id each server was built or installed with; absent for throwaway servers, which never outlive their image. */
  pins?: ImagePins;
  /** More labels for its containers: a test run's throwaway servers carry the run's id. */
  labels?: Record<string, string>;
  /** Whether its spec may run now (a workspace server needs the user's approval); absent: it may. */
  admit?(spec: ServerSpec): Admission;
}

type Progress = (line: string) => void;

/**
 * Owns one server's container: creates or adopts it, attaches to its stdio, speaks MCP to it for
 * health and capabilities, follows its stats, and restarts it with backoff when it crashes.
 * The lifecycle is here; the MCP session, the health checks, the stats and the restart policy
 * are parts it drives, each in its own file.
 */
export class ServerSupervisor {
  phase: Phase = 'stopped';
  message: string | undefined;
  containerId: string | undefined;
  restartCount = 0;
  imageDigest: string | undefined;
  /** What the image was built or pulled from, read from its labels at each run. */
  provenance: Provenance | undefined;
  /** Set by the update checks (updates/): shown in its status until it is applied or gone. */
  availableUpdate: AvailableUpdate | undefined;
  private readonly mcp: McpSession;
  private readonly health: HealthMonitor;
  private readonly statsFollower: StatsFollower;
  private readonly backoff = new CrashBackoff();
  private generation = 0;
  private attached: AttachedStdio | undefined;
  /** The egress proxy's output, copied into this server's log: what it allowed and refused. */
  private egressLog: AttachedStdio | undefined;
  /** Restarts waiting out their backoff. */
  private timers = new Set<NodeJS.Timeout>();
  private queue: Promise<unknown> = Promise.resolve();
  /** Whether this server should be running: a failed start is then tried again, with backoff. */
  private wanted = false;

  constructor(
    public spec: ServerSpec,
    private readonly deps: SupervisorDeps,
  ) {
    this.mcp = new McpSession(this, deps, (text) => this.log(text));
    this.statsFollower = new StatsFollower(deps.rt, () => deps.onChange());
    this.health = new HealthMonitor(this, {
      onChange: () => deps.onChange(),
      answering: () => {
        this.log('answering pings again');
        this.setPhase('healthy', undefined);
      },
      unhealthy: (reason) => {
        this.setPhase('unhealthy', reason);
        this.log(`unhealthy: ${this.message}; restarting it`);
        this.cancel();
        this.recoverWithBackoff();
      },
    });
  }

  get name(): string {
    return this.spec.name;
  }

  /** The engine its container runs on. */
  get runtime(): ContainerRuntime {
    return this.deps.rt;
  }

  /** What clients see: the server's tools less those its tool policy blocks or pinning withholds. */
  get capabilities(): Capabilities | undefined {
    return this.mcp.capabilities;
  }

  /** What the server itself offers, before its tool policy and pinning. */
  get offeredCapabilities(): Capabilities | undefined {
    return this.mcp.offeredCapabilities;
  }

  get stats(): ServerStats | undefined {
    return this.statsFollower.latest;
  }

  /** The spec hash with the spec's secret values folded in (keyed), so a changed value means a new container. */
  private containerHash(): string {
    const hash = specHash(this.spec);
    return this.deps.security?.containerHash(hash, this.spec) ?? hash;
  }

  status(): ServerStatus {
    return {
      name: this.name,
      ...(kindOf(this.spec) !== 'container' && { kind: kindOf(this.spec) }),
      description: this.spec.description,
      host: this.spec.host,
      image: runsWhat(this.spec),
      imageDigest: this.imageDigest,
      provenance: this.provenance,
      source: this.spec.source,
      network: kindOf(this.spec) === 'container' ? this.spec.network : undefined,
      phase: this.phase,
      message: this.message === undefined ? undefined : (this.deps.security?.redact(this.message) ?? this.message),
      containerId: this.containerId,
      restartCount: this.restartCount,
      crashLoop: this.backoff.crashLoop,
      health: this.health.history,
      stats: this.stats,
      capabilities: this.capabilities,
      protocol: this.running ? this.mcp.protocol : undefined,
      update: this.availableUpdate,
      approval: this.barred()?.approval,
    };
  }

  /** What keeps this spec from running (trust/admission.ts), if anything: every run and build asks here. */
  private barred(): Extract<Admission, { ok: false }> | undefined {
    const verdict = this.deps.admit?.(this.spec);
    return verdict && !verdict.ok ? verdict : undefined;
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
      this.backoff.reset();
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
      const missing = this.deps.security?.missingSecrets(this.spec) ?? [];
      if (existing.labels[LABEL.specHash] !== this.containerHash() && missing.length && existing.state === 'running') {
        // Its secret was removed, not its spec changed: what runs keeps the value it started with.
        await this.run(existing, () => undefined, true);
        this.message = `secret ${missing.join(', ')} was removed after its container was made; it goes on running with the value it started with, and will not start again until \`berth secret set ${missing[0]}\``;
        this.log(this.message);
        this.deps.onChange();
        return;
      }
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
    // A stopped server is in no crash loop: its status and its restart alert say so at once.
    this.backoff.reset();
    return this.serial(async () => {
      await this.stopContainer();
      this.setPhase('stopped', undefined);
    });
  }

  restart(progress: Progress = () => undefined): Promise<void> {
    this.deps.setDesired(this.name, true);
    this.wanted = true;
    // A healthy server keeps its session until it is known whether it is swapped or stopped.
    const serving = this.phase === 'healthy';
    if (!serving) this.cancel();
    return this.serial(async () => {
      this.backoff.reset();
      // A rebuilt image (`berth build NAME --force`) is put in beside the running container, as a changed spec is.
      if (serving && (await this.runsStaleImage())) return this.replaceBeside(progress, 'the rebuilt image', 'the image is fixed');
      await this.stopContainer();
      await this.run(undefined, progress);
    });
  }

  /** Whether the running container was made from another image than the one its tag names now. */
  private async runsStaleImage(): Promise<boolean> {
    if (!this.running || !this.containerId || kindOf(this.spec) !== 'container') return false;
    const [info, id] = await Promise.all([this.deps.rt.inspect(this.containerId), this.deps.rt.imageId(imageOf(this.spec))]);
    return info !== undefined && id !== undefined && info.image !== id;
  }

  /**
   * The spec file changed. A stopped server just takes the new spec. A running one keeps serving
   * from its container until one for the new spec is made beside it (image built, container
   * created); if that fails, the old one goes on serving under the old spec and the message says
   * why, so an edit can never take down what works.
   */
  apply(spec: ServerSpec, progress: Progress = () => undefined, repin = false): Promise<void> {
    const previous = this.spec;
    this.spec = spec;
    // An update or rollback chose this image through Berth: the next one the tag names is pinned anew.
    if (repin) this.deps.pins?.forget(this.name);
    if (!this.running) return Promise.resolve();
    return this.serial(async () => {
      // An edit that needs approval again stops the server (run says why) rather than serve on unapproved.
      if (!this.containerId || !this.running || this.barred()) return this.run(undefined, progress);
      try {
        await this.replaceBeside(progress, 'the changed spec', 'the spec is fixed');
      } catch (e) {
        this.spec = previous;
        throw e;
      }
    });
  }

  /**
   * A container for the spec and image as they are now, made beside the running one, which keeps
   * serving if that fails (the message says why); then the swap and a run of the new one.
   */
  private async replaceBeside(progress: Progress, what: string, until: string): Promise<void> {
    const { rt } = this.deps;
    const spec = this.spec;
    const old = this.containerId;
    if (!old) return this.run(undefined, progress);
    const staging = `${containerName(this.deps.instance, this.name)}-next`;
    let next: string;
    try {
      await this.pinnedImage(progress);
      if (typeof spec.network === 'object') await ensureEgress(rt, { instance: this.deps.instance, server: this.name, host: spec.host, allow: spec.network.allow }, progress);
      await rt.remove(staging);
      progress(`creating the new container for ${this.name} beside the running one`);
      next = await this.createContainer(this.containerHash(), staging);
    } catch (e) {
      const reason = `${what} cannot be applied (${(e as Error).message}); the previous container goes on serving until ${until}`;
      this.log(reason);
      this.message = reason;
      this.deps.onChange();
      throw new Error(`server ${this.name}: ${reason}`, { cause: e });
    }
    this.log(`created container ${next.slice(0, 12)} for ${what}; replacing ${old.slice(0, 12)}`);
    await this.stopContainer();
    await rt.remove(old);
    if (typeof spec.network === 'string') await removeEgress(rt, this.deps.instance, this.name);
    await rt.rename(next, containerName(this.deps.instance, this.name));
    this.containerId = next;
    this.backoff.reset();
    await this.run(undefined, progress);
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
  callTool(tool: string, args: Record<string, unknown> | undefined, ctx: Partial<CallContext> = {}): Promise<CallToolResult> {
    return this.mcp.callTool(tool, args, ctx);
  }

  getPrompt(prompt: string, args: Record<string, string> | undefined, ctx: Partial<CallContext> = {}): Promise<GetPromptResult> {
    return this.mcp.getPrompt(prompt, args, ctx);
  }

  readResource(uri: string, ctx: Partial<CallContext> = {}): Promise<ReadResourceResult> {
    return this.mcp.readResource(uri, ctx);
  }

  /** Any other request a client may make of the server (completion, resource templates, subscriptions), forwarded as it is. */
  request(method: string, params: Record<string, unknown> | undefined, ctx: Partial<CallContext> = {}): Promise<Record<string, unknown>> {
    return this.mcp.request(method, params, ctx);
  }

  /** The server's notifications for its clients (resource updates, log messages); gives the unsubscribe. */
  onNotification(listener: UpstreamListener): () => void {
    return this.mcp.onNotification(listener);
  }

  /** Builds (or pulls) the image; one Berth made or fetched itself here is what the server is pinned to from now on. */
  async build(progress: Progress, force: boolean): Promise<void> {
    // A build runs the source's own steps (a Dockerfile's RUN) in the engine: as much a run as any.
    const barred = this.barred();
    if (barred) throw new Error(barred.approval.reason);
    const { rt } = this.deps;
    const image = imageOf(this.spec);
    const fresh = force || !(await rt.imageExists(image));
    await ensureImage(rt, { image, build: this.spec.build }, progress, force);
    const id = fresh ? await rt.imageId(image) : undefined;
    if (id) this.deps.pins?.set(this.name, { host: this.spec.host, image, id });
  }

  /** Ends the current run: timers, stats, MCP client, attach. */
  private cancel(): void {
    this.generation++;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.health.stop();
    this.statsFollower.stop();
    this.mcp.end();
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
    this.statsFollower.latest = undefined;
  }

  /** One run of the server: image, container, attach, MCP initialize, health and stats. */
  private async run(existing: ContainerSummary | undefined, progress: Progress, keepAsIs = false): Promise<void> {
    this.cancel();
    const barred = this.barred();
    if (barred) {
      // Never retried: it waits for the user (an approval starts what they wanted running).
      await this.stopContainer();
      this.setPhase('stopped', undefined);
      throw new Error(barred.approval.reason);
    }
    const gen = this.generation;
    const current = () => gen === this.generation;
    const check = () => {
      if (!current()) throw new Superseded();
    };
    const { rt } = this.deps;
    /** Past this point a failure is the server's or the engine's, not the spec's: worth another try. */
    let launched = false;
    try {
      this.setPhase('creating', undefined);
      if (kindOf(this.spec) !== 'container') {
        // Nothing to build or create: a failure is the remote's or the command's, worth another try.
        launched = true;
        await this.runOutside(gen, current, progress);
        return;
      }
      const imageId = await this.pinnedImage(progress);
      check();
      const image = imageOf(this.spec);
      this.imageDigest = await rt.imageDigest(image);
      this.provenance = provenanceOf(image, this.spec.build !== undefined, await rt.imageLabels(image), this.imageDigest);
      const hash = this.containerHash();
      const known = existing?.id ?? this.containerId ?? (await findOwnContainer(rt, this.deps.instance, this.name));
      let id = keepAsIs ? known : await reusableContainer(rt, known, hash, imageId, (text) => this.log(text));
      const egressLog = await prepareNetwork(rt, this.deps.instance, this.spec, !id, progress);
      if (egressLog) {
        this.egressLog = this.keep(gen, egressLog);
        this.deps.logs.pipe(this.name, 'stderr', egressLog.stderr);
      }
      if (!id) {
        progress(`creating container for ${this.name}`);
        id = await this.createContainer(hash);
        this.log(`created container ${id.slice(0, 12)}`);
      }
      this.containerId = id;
      check();
      // Attach before starting so not one byte of the server's output is missed.
      const attachedAt = Date.now();
      const attached = this.keep(gen, await rt.attach(id));
      this.attached = attached;
      const info = await rt.inspect(id);
      if (!info) throw new Error('its container was removed while it started');
      if (info.running) await backfillLogs(rt, this.deps.logs, this.name, id, attachedAt);
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
      await this.mcp.connect(attached, current);
      check();
      this.setPhase('healthy', undefined);
      this.backoff.healthy();
      this.health.watch(this.mcp.session(), current);
      await this.statsFollower.follow(id, current);
    } catch (e) {
      if (e instanceof Superseded || !current()) return;
      const garbage = this.mcp.garbage;
      // Ended first, so the exit watcher of this run does not also act on the exit asked about below.
      this.cancel();
      const exited = launched && !garbage ? await this.exitBeforeAnswering() : undefined;
      const reason = garbage
        ? `it wrote non-MCP output to stdout ("${garbage.slice(0, 120)}"); MCP stdio servers must write only protocol messages there`
        : (exited ?? (e as Error).message);
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
   * A server that is no container (outside.ts): a remote one is connected to over HTTPS, an
   * external command is started on this machine with its stdio attached; then, as for a
   * container, MCP initialize and health checks.
   */
  private async runOutside(gen: number, current: () => boolean, progress: Progress): Promise<void> {
    const { remote, external } = this.spec;
    this.imageDigest = undefined;
    // The spec's secrets, checked and resolved as for a container (a missing one is one sentence).
    const secrets = this.deps.security?.containerEnv({ ...this.spec, env: {} }) ?? {};
    this.setPhase('starting');
    if (remote) {
      this.provenance = { kind: 'remote', url: remote.url };
      progress(`connecting to ${remote.url}`);
      await this.mcp.connectRemote(remoteConnection(remote, secrets), current);
    } else if (external) {
      this.provenance = { kind: 'external', command: external.command };
      progress(`starting ${external.command} on this machine (not isolated)`);
      const { attached, exited } = await spawnExternal(external, { ...this.spec.env, ...secrets });
      this.attached = this.keep(gen, attached);
      this.deps.logs.pipe(this.name, 'stderr', attached.stderr);
      this.log(`started ${external.command} on this machine, not isolated`);
      void exited.then((code) => this.onProcessExit(gen, code));
      await this.mcp.connect(attached, current);
    }
    if (!current()) throw new Superseded();
    this.setPhase('healthy', undefined);
    this.backoff.healthy();
    this.health.watch(this.mcp.session(), current);
  }

  /** An external server's command ended: as a container's exit, less what only an engine can tell (OOM, removal). */
  private onProcessExit(gen: number, code: number): void {
    if (gen !== this.generation) return;
    this.cancel();
    this.setPhase('exited', `it exited with code ${code}`);
    this.log(`command stopped: ${this.message}`);
    if (restartsAfterExit(this.spec.restart, code, false)) this.recoverWithBackoff();
  }

  /** The spec's image, built or pulled if missing; each step shown to the caller and kept in the server's log. */
  private ensureImage(progress: Progress): Promise<void> {
    return ensureImage(this.deps.rt, { image: imageOf(this.spec), build: this.spec.build }, (line) => {
      progress(line);
      this.log(line);
    });
  }

  /**
   * The spec's image, present, and the one the server is pinned to: its id. The first image a
   * server runs with (or the first after its spec names another) is pinned; a tag that points
   * elsewhere since is refused with one sentence, never run.
   */
  private async pinnedImage(progress: Progress): Promise<string> {
    await this.ensureImage(progress);
    const image = imageOf(this.spec);
    const id = await this.deps.rt.imageId(image);
    if (!id) throw new Error(`image ${image} went away from the engine while it started; start it again`);
    const pins = this.deps.pins;
    const pinned = pins?.get(this.name, this.spec.host, image);
    if (pinned && pinned !== id) throw new Error(movedTagSentence(this.name, image, pinned, id));
    if (!pinned) pins?.set(this.name, { host: this.spec.host, image, id });
    return id;
  }

  /** A container for the spec as it is now; under another name than the server's, when one is given. */
  private async createContainer(hash: string, name?: string): Promise<string> {
    // Bind what is checked: a symlink's target as it is now, not the link, which Docker would
    // follow anew at every start of the container (and the link may point elsewhere by then).
    const missing = this.spec.host === LOCAL_HOST ? missingSource(this.name, this.spec.volumes) : undefined;
    if (missing) throw new Error(missing);
    const volumes = this.spec.host === LOCAL_HOST ? this.spec.volumes.map((v) => ({ ...v, source: resolveExisting(v.source) })) : this.spec.volumes;
    const mounted = { ...this.spec, volumes };
    const env = this.deps.security?.containerEnv(mounted) ?? this.spec.env;
    const options = containerOptions({ ...mounted, env }, this.deps.instance, hash);
    const labels = { ...options.labels, ...this.deps.labels };
    if (this.spec.state) {
      const { managed, instance, server } = LABEL;
      await this.deps.rt.ensureVolume(stateVolumeName(this.deps.instance, this.name), { [managed]: 'true', [instance]: this.deps.instance, [server]: this.name, ...this.deps.labels });
    }
    return this.deps.rt.create(name ? { ...options, labels, name } : { ...options, labels });
  }

  /** A stream the run of `gen` opened: kept, or closed at once if a stop/restart/remove came meanwhile. */
  private keep(gen: number, stream: AttachedStdio): AttachedStdio {
    if (gen === this.generation) return stream;
    stream.close();
    throw new Superseded();
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
    this.statsFollower.latest = undefined;
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
      this.setPhase('exited', `it exited with code ${code}${await this.lastOutput()}`);
    }
    this.log(`container stopped: ${this.message}`);
    if (restartsAfterExit(this.spec.restart, code, info?.oomKilled ?? false)) this.recoverWithBackoff();
  }

  /** Why a start failed, when its container exited before answering: the exit code and its last line on stderr. */
  private async exitBeforeAnswering(): Promise<string | undefined> {
    if (!this.containerId || kindOf(this.spec) !== 'container') return undefined;
    const info = await this.deps.rt.inspect(this.containerId).catch(() => undefined);
    if (!info || info.running) return undefined;
    return `it exited with code ${info.exitCode} before answering MCP initialize${await this.lastOutput()}`;
  }

  /** The server's last line on stderr, as a clause to end a sentence with; empty when it wrote none. */
  private async lastOutput(): Promise<string> {
    const lines = await this.deps.logs.query(this.name, { lines: 50 }).catch(() => []);
    const last = lines.filter((l) => l.stream === 'stderr' && l.text.trim()).at(-1)?.text.trim();
    return last ? `; its last output: ${last.slice(0, 200)}` : '';
  }

  /** Crashed, unhealthy, or a start that failed for a reason worth another try: run again after a backoff. */
  private recoverWithBackoff(reattach = false): void {
    const { delayMs, attempt } = this.backoff.next();
    const loop = this.backoff.crashLoop;
    this.log(`restarting in ${delayMs / 1000} s (attempt ${attempt}${loop ? `; crash loop: ${loop} crashes in a row` : ''})`);
    this.deps.onChange();
    const restartGen = this.generation;
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (restartGen !== this.generation) return;
      this.restartCount++;
      void this.serial(async () => {
        // An engine that is away fails the stop too; the run then says so and tries again later.
        if (!reattach) await this.stopContainer().catch(() => undefined);
        await this.run(undefined, () => undefined);
      }).catch(() => undefined);
    }, delayMs);
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
