import { randomBytes } from 'node:crypto';
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Hosts } from '../hosts/hosts.js';
import type { ContainerRuntime, ContainerSummary } from '../hosts/runtime.js';
import type { AuditLog } from '../logs/audit.js';
import type { LogStore } from '../logs/store.js';
import type { SecurityContext } from '../policy/context.js';
import { ConflictError, InvalidSpecError, NotFoundError } from '../protocol/errors.js';
import { LOCAL_HOST } from '../protocol/hosts.js';
import { ServerSpecInput, type ServerSpec } from '../protocol/spec.js';
import type { ServerStatus } from '../protocol/status.js';
import { removeEgress } from '../network/egress.js';
import { LABEL, stateVolumeName } from './labels.js';
import { loadSpecs, resolveSpec, specFingerprint, specHash, workspaceSpecFile, writeServerEntry } from './specFiles.js';
import { readStateFile } from '../stateFile.js';
import { missingSource } from '../policy/mounts.js';
import { daemonLog } from '../daemonLog.js';
import { watchEngine } from '../hosts/engineWatch.js';
import { ServerSupervisor } from './supervisor.js';
import { ImagePins } from './imagePins.js';
import { beginRun } from './throwaways.js';
import { writePrivateFile } from '../atomicFile.js';
import { describeIssue } from '../protocol/issue.js';
import type { ApprovedServer } from '../protocol/trust.js';
import { admission, type Admission } from '../trust/admission.js';
import { WorkspaceApprovals } from '../trust/approvals.js';
import { describeGrant, grantHash, grantOf } from '../trust/grant.js';

const Desired = z.record(z.string(), z.boolean());
const Workspaces = z.array(z.string());

export interface RegistryOptions {
  /** The local engine's runtime; `hosts` gives the others. */
  rt: ContainerRuntime;
  hosts: Hosts;
  logs: LogStore;
  audit: AuditLog;
  instance: string;
  userSpecFile: string;
  stateDir: string;
  /** Secrets, tool policy and pinning, mount re-checks; handed to every supervisor. */
  security?: SecurityContext;
  onChange(servers: ServerStatus[]): void;
}

/**
 * All servers of this Berth home: their specs (from the spec files), their supervisors, and the
 * user's wish for each (running or not), which survives daemon restarts.
 */
export class Registry {
  private byName = new Map<string, ServerSupervisor>();
  private desired: Record<string, boolean> = {};
  specErrors: string[] = [];
  private editing: Promise<unknown> = Promise.resolve();
  private watchers: FSWatcher[] = [];
  /** Workspace folders whose `.berth/servers.yaml` is loaded too (a client adds them; trusted ones only). */
  private workspaces: string[] = [];
  private changeTimer: NodeJS.Timeout | undefined;
  private reloadTimer: NodeJS.Timeout | undefined;
  private reloading: Promise<void> = Promise.resolve();
  private adopting = new Map<string, Promise<void>>();
  /** What the spec files held at the last load; `sync` compares against it. */
  private loadedFingerprint = '';
  /** Sentences about the daemon's own state (a damaged state file), for `berth status`. */
  private stateNotices: string[] = [];
  /** Containers left as they are while a spec file has an error; forgotten once the files load again. */
  private frozen: string[] = [];
  private engineWatch: { close(): void } | undefined;
  /** Set once the first adoption is queued; later loads adopt for servers they add. */
  private opened = false;
  private readonly approvals: WorkspaceApprovals;
  /** The image id each server was built or installed with. */
  private readonly pins: ImagePins;

  constructor(private readonly o: RegistryOptions) {
    this.approvals = new WorkspaceApprovals(o.stateDir);
    this.pins = new ImagePins(o.stateDir);
  }

  private get desiredFile(): string {
    return path.join(this.o.stateDir, 'desired.json');
  }

  private get workspacesFile(): string {
    return path.join(this.o.stateDir, 'workspaces.json');
  }

  /** The user file first, then each workspace's: a later file's server wins over an earlier one's. */
  get specFiles(): string[] {
    return [this.o.userSpecFile, ...this.workspaces.map(workspaceSpecFile)];
  }

  /** This Berth home's id, on the labels of everything it runs. */
  get instance(): string {
    return this.o.instance;
  }

  listWorkspaces(): string[] {
    return [...this.workspaces];
  }

  async addWorkspace(folder: string): Promise<void> {
    if (this.workspaces.includes(folder)) return;
    this.workspaces = [...this.workspaces, folder];
    this.saveWorkspaces();
    await this.reload();
  }

  /** Forgets a workspace; the servers only its file defined are stopped and removed. */
  async removeWorkspace(folder: string): Promise<void> {
    if (!this.workspaces.includes(folder)) throw new NotFoundError(`${folder} is not a Berth workspace; \`berth workspace ls\` lists them`);
    this.workspaces = this.workspaces.filter((w) => w !== folder);
    this.saveWorkspaces();
    await this.reload();
  }

  /** The workspace folder whose file defines `spec`, if it is a workspace's. */
  private workspaceOf(spec: ServerSpec): string | undefined {
    return this.workspaces.find((w) => workspaceSpecFile(w) === spec.source);
  }

  /** Whether a spec may run: the one place every supervisor asks (trust/admission.ts decides). */
  private admit(spec: ServerSpec): Admission {
    const folder = this.workspaceOf(spec);
    return admission(spec, folder, folder === undefined ? undefined : this.approvals.get(folder, spec.name));
  }

  /**
   * The user approves a workspace's servers (every one, or `server`) as they ask now; with `hash`,
   * only if that is still what they ask for (a modal showed it). Those the user wanted running start.
   */
  async approve(folder: string, server: string | undefined, hash: string | undefined): Promise<{ approved: ApprovedServer[]; refused: string[] }> {
    await this.sync();
    if (!this.workspaces.includes(folder)) throw new NotFoundError(`${folder} is not a Berth workspace; add it first with \`berth workspace add ${folder}\``);
    const file = workspaceSpecFile(folder);
    const candidates = this.all().filter((s) => s.spec.source === file && (server === undefined || s.name === server));
    if (server !== undefined && candidates.length === 0) throw new NotFoundError(`${file} defines no server named "${server}"; \`berth status\` lists the servers`);
    const approved: ApprovedServer[] = [];
    const refused: string[] = [];
    for (const sup of candidates) {
      const verdict = this.admit(sup.spec);
      if (verdict.ok) {
        // Approved before, as it is: said again, so the user sees what it has.
        const grant = grantOf(sup.spec);
        approved.push({ name: sup.name, asks: describeGrant(grant), hash: grantHash(grant) });
        continue;
      }
      const { approval } = verdict;
      if (approval.state === 'refused' || approval.hash === undefined) {
        refused.push(approval.reason);
        continue;
      }
      if (hash !== undefined && hash !== approval.hash) throw new ConflictError(`server ${sup.name} changed since you were shown what it asks for; look at it again and approve what it asks for now`);
      this.approvals.approve(folder, sup.name, approval.hash);
      approved.push({ name: sup.name, asks: approval.asks ?? [], hash: approval.hash });
    }
    if (server !== undefined && refused[0] !== undefined) throw new InvalidSpecError(refused[0]);
    this.changed();
    for (const a of approved) if (this.desired[a.name]) void this.get(a.name).start().catch(() => undefined);
    return { approved, refused };
  }

  private saveWorkspaces(): void {
    writePrivateFile(this.workspacesFile, JSON.stringify(this.workspaces));
    this.watchSpecFiles();
  }

  /**
   * Loads specs, removes orphans, and queues the adoption of the containers this home already
   * has (and the start of what should run). Adoptions are queued on each server before any
   * client request can be, so a request waits for them instead of racing them.
   */
  async open(): Promise<void> {
    await mkdir(path.dirname(this.o.userSpecFile), { recursive: true, mode: 0o700 });
    const report = (sentence: string) => this.notice(sentence);
    this.desired = await readStateFile(this.desiredFile, Desired, {}, report);
    this.workspaces = await readStateFile(this.workspacesFile, Workspaces, [], report);
    await this.approvals.load(report);
    await this.pins.load(report);
    await this.loadSpecsIntoSupervisors();
    // SSH hosts are adopted in the background, and again each time a host's connection comes
    // back, so a host that is down slows neither the daemon's start nor the other hosts. The
    // local engine likewise, each time it answers again after being down (a restart, a crash).
    for (const host of this.o.hosts.names()) if (host !== LOCAL_HOST) void this.adoptOn(host).catch(() => undefined);
    this.o.hosts.on('up', (host) => void this.adoptOn(host).catch(() => undefined));
    this.engineWatch = watchEngine(this.o.rt, {
      up: () => {
        this.daemonLine('the Docker engine answers again; bringing back what should run');
        void this.adoptOn(LOCAL_HOST).catch(() => undefined);
      },
      down: (reason) => this.daemonLine(`the Docker engine does not answer: ${reason}`),
    });
    this.watchSpecFiles();
    this.opened = true;
    await this.adoptOn(LOCAL_HOST);
  }

  /** Something the user should know about the daemon itself (a damaged state file): logged, and shown by `berth status`. */
  notice(sentence: string): void {
    if (this.stateNotices.includes(sentence)) return;
    this.stateNotices = [...this.stateNotices, sentence].slice(-20);
    this.daemonLine(sentence);
  }

  get notices(): string[] {
    return [...this.stateNotices, ...this.frozen];
  }

  /** A line in the daemon's own log and in its log store's `daemon` stream. */
  private daemonLine(sentence: string): void {
    this.o.logs.append('daemon', 'berth', `${sentence}\n`);
    daemonLog(sentence);
  }

  /**
   * Makes the registry match the spec files as they are now, so a request that follows an edit
   * at once (before the watcher fires) sees it. Cheap when nothing changed: the files are read
   * and compared with what was loaded.
   */
  async sync(): Promise<void> {
    await this.reloading;
    if ((await specFingerprint(this.specFiles)) !== this.loadedFingerprint) await this.reload();
  }

  get hosts(): Hosts {
    return this.o.hosts;
  }

  /** Adoptions of one host run one after another; each sees the servers known when it begins. */
  private adoptOn(host: string): Promise<void> {
    const run = (this.adopting.get(host) ?? Promise.resolve()).catch(() => undefined).then(() => this.adoptHost(host));
    this.adopting.set(host, run);
    return run;
  }

  /** One host's share of adoption: its containers of this home, its orphans, what should run there. */
  private async adoptHost(host: string): Promise<void> {
    const rt = this.runtimeFor(host);
    const here = new Map([...this.byName].filter(([, s]) => s.spec.host === host));
    let containers: ContainerSummary[];
    try {
      // Filtered here, not by the engine: a container without a host label (made by hand, or by an
      // older Berth) is the local host's, and one engine may stand behind two host names.
      const all = await rt.listManaged({ [LABEL.managed]: 'true', [LABEL.instance]: this.o.instance });
      // Throwaway servers (test runs, install trials) are their run's business (throwaways.ts), never adopted.
      containers = all.filter((c) => (c.labels[LABEL.host] ?? LOCAL_HOST) === host && c.labels[LABEL.testRun] === undefined);
    } catch (e) {
      if (host === LOCAL_HOST) throw e;
      // Starting fails at once with the host's reason, which is what its servers then show.
      for (const [name, sup] of here) if (this.desired[name] && !sup.running) void sup.start().catch(() => undefined);
      return;
    }
    // An egress proxy belongs to its server's supervisor; one whose server is gone is an orphan.
    const [proxies, servers] = partition(containers, (c) => c.labels[LABEL.egressFor] !== undefined);
    // With a spec file in error nobody knows which servers exist, so nothing is an orphan: what
    // runs is left exactly as it is (state inside included) until the file is fixed.
    const frozen = this.specErrors.length > 0;
    for (const c of frozen ? [] : proxies) {
      const owner = c.labels[LABEL.egressFor] ?? '';
      if (!here.has(owner)) await removeEgress(rt, this.o.instance, owner);
    }
    const byServer = new Map<string, ContainerSummary[]>();
    for (const c of servers) {
      const name = c.labels[LABEL.server] ?? '';
      byServer.set(name, [...(byServer.get(name) ?? []), c]);
    }
    for (const [name, found] of byServer) {
      const sup = here.get(name);
      // Running first, so a duplicate (which Berth never makes, but a user might) is the one removed.
      const [keep, ...extra] = [...found].sort((a, b) => Number(b.state === 'running') - Number(a.state === 'running'));
      if (!sup && frozen) {
        const sentence = `left the container of server "${name}" on ${host} as it is until the spec file error is fixed`;
        if (!this.frozen.includes(sentence)) {
          this.frozen = [...this.frozen, sentence];
          this.daemonLine(sentence);
        }
        continue;
      }
      for (const c of sup ? extra : found) await rt.remove(c.id);
      // A server already running here manages its container itself (a reconnect found it healthy).
      if (sup && keep && !sup.running) void sup.adopt(keep, this.desired[name] === true).catch(() => undefined);
    }
    for (const [name, sup] of here) {
      if (!byServer.has(name) && this.desired[name] && !sup.running) void sup.start().catch(() => undefined);
    }
  }

  runtimeFor(host: string): ContainerRuntime {
    return host === LOCAL_HOST ? this.o.rt : this.o.hosts.runtime(host);
  }

  close(): void {
    this.engineWatch?.close();
    for (const w of this.watchers) w.close();
    clearTimeout(this.changeTimer);
    clearTimeout(this.reloadTimer);
    for (const sup of this.byName.values()) sup.detach();
  }

  list(): ServerStatus[] {
    return [...this.byName.values()].map((s) => s.status()).sort((a, b) => a.name.localeCompare(b.name));
  }

  all(): ServerSupervisor[] {
    return [...this.byName.values()];
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  get(name: string): ServerSupervisor {
    const sup = this.byName.get(name);
    if (!sup && this.specErrors.length) {
      // The name may well be in the file: nothing in it applies while it has an error.
      throw new NotFoundError(`server "${name}" is not loaded, because a spec file has an error and nothing in it applies until that is fixed: ${this.specErrors[0]}`);
    }
    if (!sup) throw new NotFoundError(`there is no server named "${name}"; run \`berth status\` to see them, or \`berth add\` to add one`);
    return sup;
  }

  /**
   * Validates first, so a bad add changes nothing; then writes the user spec file. With `replace`
   * (the server form's edit) the entry of an existing server of that file is rewritten instead.
   */
  add(name: string, input: z.input<typeof ServerSpecInput>, o: { replace?: boolean } = {}): Promise<ServerSupervisor> {
    return this.editSpecFile(async () => {
      const existing = this.byName.get(name);
      if (o.replace) {
        if (!existing) throw new NotFoundError(`there is no server named "${name}" to edit; add it instead`);
        if (existing.spec.source !== this.o.userSpecFile) throw new ConflictError(`server "${name}" is defined in ${existing.spec.source}; edit it there`);
      } else if (existing) {
        throw new ConflictError(`a server named "${name}" already exists; pick another name or remove it first`);
      }
      const parsed = ServerSpecInput.safeParse(input);
      if (!parsed.success) throw new InvalidSpecError(`servers.${name}.${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
      if (!this.o.hosts.names().includes(parsed.data.host)) throw new NotFoundError(`there is no host named "${parsed.data.host}"; \`berth host ls\` lists them, \`berth host add\` adds one`);
      const resolved = resolveSpec(name, parsed.data, this.o.userSpecFile);
      if ('error' in resolved) throw new InvalidSpecError(resolved.error);
      // After the mount policy (a sensitive path is refused as such): a typo must not become an entry whose start makes an empty folder.
      const missing = resolved.spec.host === LOCAL_HOST ? missingSource(name, resolved.spec.volumes) : undefined;
      if (missing) throw new InvalidSpecError(missing);
      await writeServerEntry(this.o.userSpecFile, name, input);
      await this.reload();
      const added = this.byName.get(name);
      if (!added && this.specErrors.length) {
        throw new InvalidSpecError(`wrote ${name} to ${this.o.userSpecFile}, but it does not apply yet (and was not started): nothing in the spec files applies until this error is fixed: ${this.specErrors[0]}`);
      }
      return added ?? this.get(name);
    });
  }

  /**
   * A server no spec file holds, for a test run or an install's trial: run by a supervisor like
   * any other (the same hardening, the same container path), never in the wishes, labelled with
   * its run so adoption leaves it alone and what a killed daemon left is swept (throwaways.ts).
   * `dispose` removes its container, egress proxy and logs.
   */
  throwaway(spec: ServerSpec, runId: string): { sup: ServerSupervisor; dispose: () => Promise<void> } {
    const sup = this.newSupervisor({ ...spec, restart: 'never' }, { [LABEL.testRun]: runId });
    return {
      sup,
      dispose: async () => {
        await sup.remove();
        // A throwaway's state is its own, never the real server's: it goes with it.
        if (spec.state) await sup.runtime.removeVolume(stateVolumeName(this.o.instance, spec.name));
        await this.o.logs.remove(spec.name);
      },
    };
  }

  /** `berth install`'s test (and an update's): a throwaway server of `input`, named `PURPOSE-RUNID`, for as long as `use` runs. */
  async trial<T>(input: z.input<typeof ServerSpecInput>, use: (sup: ServerSupervisor, lastOutput: () => Promise<string[]>) => Promise<T>, purpose: 'install' | 'update' = 'install'): Promise<T> {
    const runId = randomBytes(4).toString('hex');
    const name = `${purpose}-${runId}`;
    const parsed = ServerSpecInput.safeParse(input);
    if (!parsed.success) throw new InvalidSpecError(describeIssue(parsed.error, 'the entry'));
    if (!this.o.hosts.names().includes(parsed.data.host)) throw new NotFoundError(`there is no host named "${parsed.data.host}"; \`berth host ls\` lists them, \`berth host add\` adds one`);
    const resolved = resolveSpec(name, parsed.data, this.o.userSpecFile);
    if ('error' in resolved) throw new InvalidSpecError(resolved.error.replace(`servers.${name}`, 'the entry'));
    const end = beginRun(runId);
    const trial = this.throwaway(resolved.spec, runId);
    const lastOutput = async () => (await this.o.logs.query(name, { lines: 50 })).filter((l) => l.stream === 'stderr').slice(-5).map((l) => l.text.trimEnd());
    try {
      return await use(trial.sup, lastOutput);
    } finally {
      await trial.dispose().catch(() => undefined);
      end();
    }
  }

  /**
   * Stops and forgets a server. Its state volume is removed only when asked (`volumes`); else it
   * is kept, and named in the answer, so the same name added again finds its data.
   */
  async remove(name: string, volumes = false): Promise<{ keptVolume?: string }> {
    const sup = this.get(name);
    if (sup.spec.source !== this.o.userSpecFile) throw new ConflictError(`server "${name}" is defined in ${sup.spec.source}; remove it there`);
    await sup.remove();
    this.byName.delete(name);
    this.pins.forget(name);
    delete this.desired[name];
    this.saveDesired();
    await this.editSpecFile(() => writeServerEntry(this.o.userSpecFile, name, undefined));
    await this.o.logs.remove(name);
    this.changed();
    const volume = stateVolumeName(this.o.instance, name);
    const rt = sup.runtime;
    if (volumes) await rt.removeVolume(volume);
    else if (await rt.volumeExists(volume)) return { keptVolume: volume };
    return {};
  }

  /**
   * Edits of the user spec file, one after another: each reads what the one before wrote, so two
   * clients adding at once both get their server (a read-modify-write would lose one).
   */
  private editSpecFile<T>(edit: () => Promise<T>): Promise<T> {
    const next = this.editing.then(edit, edit);
    this.editing = next.catch(() => undefined);
    return next;
  }

  reload(): Promise<void> {
    this.reloading = this.reloading
      .then(() => this.applySpecChanges())
      .catch((e: Error) => this.daemonLine(`applying the spec files failed: ${e.message}`));
    return this.reloading;
  }

  private async loadSpecsIntoSupervisors(): Promise<ServerSpec[] | undefined> {
    const { specs, errors, fingerprint } = await loadSpecs(this.specFiles);
    this.loadedFingerprint = fingerprint;
    this.specErrors = errors;
    for (const e of errors) this.o.logs.append('daemon', 'berth', `spec error: ${e}\n`);
    if (errors.length) {
      // Keep every server as it is: a broken file must not stop or change what runs.
      this.changed();
      return undefined;
    }
    this.frozen = [];
    const added = new Set<string>();
    for (const spec of specs) {
      if (this.byName.has(spec.name)) continue;
      this.byName.set(spec.name, this.newSupervisor(spec));
      added.add(spec.host);
    }
    // Servers that appear after the daemon started (a fixed spec file, a new entry) take over their
    // containers too, if they have some, and start if the user wanted them running.
    if (this.opened) for (const host of added) void this.adoptOn(host).catch(() => undefined);
    return specs;
  }

  /** After a spec file changed: new servers appear, changed running ones are recreated, removed ones go. */
  private async applySpecChanges(): Promise<void> {
    const before = new Map([...this.byName].map(([n, s]) => [n, specHash(s.spec)]));
    const specs = await this.loadSpecsIntoSupervisors();
    if (!specs) return;
    const names = new Set(specs.map((s) => s.name));
    for (const [name, sup] of this.byName) {
      if (!names.has(name)) {
        await sup.remove().catch(() => undefined);
        this.byName.delete(name);
        this.pins.forget(name);
      }
    }
    for (const spec of specs) {
      if (this.get(spec.name).spec.host !== spec.host) {
        // Moved to another host: the old container goes, a new supervisor runs it there.
        await this.get(spec.name).remove().catch(() => undefined);
        this.byName.set(spec.name, this.newSupervisor(spec));
        if (this.desired[spec.name]) void this.get(spec.name).start().catch(() => undefined);
        continue;
      }
      const sup = this.get(spec.name);
      // Changed or not, the supervisor takes the new spec (a description, a policy); a changed
      // container shape is applied beside the running container, which serves until it is replaced.
      if (before.get(spec.name) !== specHash(spec)) void sup.apply(spec).catch(() => undefined);
      else sup.spec = spec;
    }
    this.changed();
  }

  /** A supervisor for a spec; `labels` mark a throwaway one, whose wishes are not kept. */
  private newSupervisor(spec: ServerSpec, labels?: Record<string, string>): ServerSupervisor {
    return new ServerSupervisor(spec, {
      rt: this.runtimeFor(spec.host),
      logs: this.o.logs,
      audit: this.o.audit,
      security: this.o.security,
      instance: this.o.instance,
      ...(!labels && { pins: this.pins }),
      labels,
      admit: (s) => this.admit(s),
      onChange: () => this.changed(),
      setDesired: (name, running) => {
        if (labels || this.desired[name] === running) return;
        this.desired[name] = running;
        this.saveDesired();
      },
    });
  }

  /** The wish is kept in memory whatever happens; a disk that refuses it costs only its survival of a restart. */
  private saveDesired(): void {
    try {
      writePrivateFile(this.desiredFile, JSON.stringify(this.desired));
    } catch (e) {
      this.notice(`could not save which servers should run (${(e as Error).message}); a daemon restart will not know it`);
    }
  }

  /**
   * Watches the folder of every spec file; any change reloads them all. A workspace without a
   * `.berth` folder yet is watched from the workspace folder until one appears.
   */
  private watchSpecFiles(): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
    const names = new Set([...this.specFiles.map((f) => path.basename(f)), '.berth']);
    for (const dir of new Set(this.specFiles.map((f) => path.dirname(f)))) {
      const target = existsSync(dir) ? dir : path.dirname(dir);
      try {
        this.watchers.push(
          watch(target, (_event, file) => {
            if (file && !names.has(file)) return;
            clearTimeout(this.reloadTimer);
            this.reloadTimer = setTimeout(() => {
              if (file === '.berth') this.watchSpecFiles();
              void this.reload();
            }, 200);
          }),
        );
      } catch {
        // The folder is gone; its servers go with the next reload, and `berth workspace rm` forgets it.
      }
    }
  }

  /** Something shown in the servers' status changed outside their supervisors (an update check): tell the clients. */
  announce(): void {
    this.changed();
  }

  /** Coalesces bursts (stats, health) into one notification. */
  private changed(): void {
    if (this.changeTimer) return;
    this.changeTimer = setTimeout(() => {
      this.changeTimer = undefined;
      this.o.onChange(this.list());
    }, 100);
  }
}

function partition<T>(items: T[], test: (item: T) => boolean): [T[], T[]] {
  return [items.filter(test), items.filter((i) => !test(i))];
}
