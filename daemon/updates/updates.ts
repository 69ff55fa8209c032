import path from 'node:path';
import type { AuditLog } from '../logs/audit.js';
import type { LogStore } from '../logs/store.js';
import type { SecurityContext } from '../policy/context.js';
import { ServerSpecInput, type ServerSpec } from '../protocol/spec.js';
import type { ToolDiff, UpdateCheck, UpdateResult } from '../protocol/updates.js';
import type { Registry } from '../servers/registry.js';
import { imageOf } from '../servers/kind.js';
import { readServerEntry, resolveSpec, setServerFields } from '../servers/specFiles.js';
import type { ServerSupervisor } from '../servers/supervisor.js';
import { parseDuration } from '../servers/units.js';
import { SNAPSHOT_CASE } from '../protocol/testRuns.js';
import { runTests, type RunnerDeps } from '../testing/runner.js';
import { checkSpec, runningVersion, short, type Candidate } from './check.js';
import { keepTag, type PastVersion, type UpdateHistory } from './history.js';
import { appliesAlone } from './semver.js';
import { watchHealth } from './watch.js';

type Progress = (line: string) => void;

export interface UpdatesDeps {
  registry: Registry;
  /** What scenario runs need: an update runs the server's scenario files against the new version. */
  testing: RunnerDeps;
  audit: AuditLog;
  logs: LogStore;
  history: UpdateHistory;
  /** This Berth home's id: its kept image names carry it. */
  instance: string;
  security?: SecurityContext;
}

/** How often the schedule is looked at; each server is checked when its own interval has passed. */
const TICK_MS = 2000;

/**
 * Update checks, tested swaps with rollback, and the schedule each server's `update:` policy sets.
 * A swap is the supervisor's own (`apply`: the new container made beside the running one, then
 * renamed into place), so an update can never leave a server without a container; the spec file
 * is then rewritten to the new version, so a daemon restart keeps it.
 */
export class Updates {
  private lastChecked = new Map<string, number>();
  /** One update or rollback per server at a time. */
  private busy = new Map<string, Promise<unknown>>();
  private ticker: NodeJS.Timeout | undefined;

  constructor(private readonly d: UpdatesDeps) {}

  /** Starts the schedule: `startup` servers are checked at the first tick, `scheduled` ones every interval. */
  start(): void {
    this.ticker = setInterval(() => this.tick(), TICK_MS);
    this.ticker.unref();
  }

  close(): void {
    clearInterval(this.ticker);
  }

  async check(names: string[] | undefined, withTools: boolean, progress: Progress): Promise<UpdateCheck[]> {
    await this.d.registry.sync();
    const sups = names?.length ? names.map((n) => this.d.registry.get(n)) : this.d.registry.all();
    const out: UpdateCheck[] = [];
    for (const sup of sups) {
      progress(`checking ${sup.name}`);
      const c = await this.checkOne(sup);
      if (withTools && c.fields) {
        try {
          c.check.tools = await this.toolDiff(sup, c.fields, progress);
          if (!c.check.tools) c.check.note = `${sup.name} is not running, so there are no tools to compare with; start it first`;
        } catch (e) {
          c.check.note = `the newer version ${(e as Error).message}`;
        }
      }
      out.push(c.check);
    }
    return out;
  }

  /** Applies what a check finds for each server, one after another; `tests` are scenario files, each run for its own server. */
  async apply(names: string[] | undefined, yes: boolean, tests: string[], progress: Progress): Promise<UpdateResult[]> {
    await this.d.registry.sync();
    const sups = names?.length ? names.map((n) => this.d.registry.get(n)) : this.d.registry.all();
    const out: UpdateResult[] = [];
    for (const sup of sups) out.push(await this.exclusive(sup.name, () => this.update(sup, yes, tests, progress)));
    return out;
  }

  rollback(name: string, to: string | undefined, progress: Progress): Promise<UpdateResult> {
    return this.exclusive(name, async () => {
      await this.d.registry.sync();
      const sup = this.d.registry.get(name);
      const past = this.d.history.list(name);
      const target = to === undefined ? past.at(-1) : past.find((p) => p.version === to);
      if (!target) {
        const kept = past.map((p) => p.version).join(', ');
        const message = to === undefined ? `no earlier version of ${name} is kept to roll back to` : `version ${to} of ${name} is not kept${kept ? ` (kept: ${kept})` : ''}`;
        return { name, outcome: 'failed', message };
      }
      const running = await runningVersion(this.d.registry.runtimeFor(sup.spec.host), sup.spec);
      const from = running.label;
      const previous = sup.spec;
      try {
        await this.swap(sup, { image: target.image, build: target.build }, progress, target.keptAs);
        this.d.history.take(name, target.version);
        await this.remember(sup.name, previous, from, running.fields);
      } catch (e) {
        return this.finish(sup, 'rollback', { name, outcome: 'failed', from, to: target.version, message: `rolling ${name} back to ${target.version} failed: ${(e as Error).message}` });
      }
      return this.finish(sup, 'rollback', { name, outcome: 'updated', from, to: target.version, message: `rolled ${name} back from ${from} to ${target.version}` });
    });
  }

  private async update(sup: ServerSupervisor, yes: boolean, tests: string[], progress: Progress): Promise<UpdateResult> {
    const name = sup.name;
    const found = await this.checkOne(sup);
    const { check, fields } = found;
    const running = await runningVersion(this.d.registry.runtimeFor(sup.spec.host), sup.spec);
    const from = running.label;
    if (!fields || !check.available) return { name, outcome: 'current', from, message: check.note ?? `${name} is up to date` };
    const to = check.source === 'image' ? short(check.available) : check.available;
    const result = (outcome: UpdateResult['outcome'], message: string, tools?: ToolDiff): UpdateResult => ({ name, outcome, from, to, tools, message });
    if (check.source === 'npm') progress(`updating ${name} from ${from} to ${to}: building it beside the running one`);
    else progress(`updating ${name}: its tag moved (${from} → ${to}); pulling it beside the running one`);

    let tools: ToolDiff | undefined;
    try {
      tools = await this.toolDiff(sup, fields, progress);
    } catch (e) {
      return this.finish(sup, 'update', result('test-failed', `${name} stays at ${from}: ${to} ${(e as Error).message}`));
    }
    const scenarios = await this.runScenarios(sup, fields, tests, progress);
    if (scenarios.failed.length) return this.finish(sup, 'update', result('test-failed', `${name} stays at ${from}: ${to} failed its scenario files: ${scenarios.failed.join('; ')}`, tools));
    const added = tools?.added ?? [];
    const held = added.length > 0 && (this.d.security?.pins.has(name) ?? false);
    if ((held || scenarios.snapshot.length) && !yes) {
      const why = [
        held ? `adds tools (${added.join(', ')}) that pinning would hold back` : '',
        scenarios.snapshot.length ? `differs from its tool snapshot (${scenarios.snapshot.join('; ')}; accept it afterwards with \`berth test --update-snapshots\`)` : '',
      ].filter(Boolean);
      return result('confirm', `${to} ${why.join(' and ')}; confirm to update${held ? ' and approve them' : ''}`, tools);
    }
    const wasRunning = sup.running;
    const previous = sup.spec;
    await this.remember(sup.name, previous, from, running.fields);
    /** Back to what ran before, by the same swap; the sentence says what failed and whether going back worked. */
    const rollBack = async (failure: string): Promise<UpdateResult> => {
      progress(`${name} ${to} failed: ${failure}; rolling back to ${from}`);
      const past = this.d.history.list(name).find((p) => p.version === from);
      try {
        await this.swap(sup, running.fields, progress, past?.keptAs);
        if (past) this.d.history.take(name, from);
      } catch (e) {
        return this.finish(sup, 'update', result('failed', `${name} ${to} failed (${failure}) and rolling back to ${from} failed too: ${(e as Error).message}`, tools));
      }
      return this.finish(sup, 'update', result('rolled-back', `${name} ${to} failed (${failure}); rolled back to ${from}, which serves again`, tools));
    };
    try {
      await this.swap(sup, fields, progress);
    } catch (e) {
      // The supervisor keeps the old container when the new one cannot be made; past that, the old one is gone.
      if (sup.spec.image === previous.image) {
        this.d.history.take(name, from);
        return this.finish(sup, 'update', result('failed', `${name} stays at ${from}: ${(e as Error).message}`, tools));
      }
      return rollBack((e as Error).message);
    }
    if (held) this.d.security?.approve(name, added);
    sup.availableUpdate = undefined;
    this.d.registry.announce();
    const watchFor = sup.spec.update.watchSeconds;
    if (wasRunning && watchFor > 0) {
      const failure = await watchHealth(sup, watchFor, progress);
      if (failure) return rollBack(`within ${watchFor} s of watching, ${failure}`);
    }
    return this.finish(sup, 'update', result('updated', `updated ${name} from ${from} to ${to}${wasRunning ? `; healthy through ${watchFor} s of watching` : ''}`, tools));
  }

  /**
   * The server's scenario files against throwaway copies of the new version (the testing runner,
   * as `berth test` runs them). Failed cases stop the update; a snapshot that differs is a change
   * to confirm, like new tools.
   */
  private async runScenarios(sup: ServerSupervisor, fields: Pick<ServerSpec, 'image' | 'build'>, tests: string[], progress: Progress): Promise<{ failed: string[]; snapshot: string[] }> {
    if (!tests.length) return { failed: [], snapshot: [] };
    const resolved = resolveSpec(sup.name, await this.entryWith(sup, fields), sup.spec.source);
    if ('error' in resolved) throw new Error(resolved.error);
    progress(`running ${tests.length} scenario file${tests.length === 1 ? '' : 's'} of ${sup.name} against the new version`);
    const run = await runTests(this.d.testing, { files: tests, candidate: { server: sup.name, spec: resolved.spec } }, new AbortController().signal, (e) => {
      if (e.kind === 'case') progress(`${e.result.status === 'passed' ? '✓' : e.result.status === 'failed' ? '✗' : '-'} ${path.basename(e.file)} ${e.result.id}`);
    });
    const failed: string[] = [];
    const snapshot: string[] = [];
    for (const f of run.files) {
      if (f.error) failed.push(`${path.basename(f.file)}: ${f.error}`);
      for (const c of f.cases.filter((x) => x.status === 'failed')) {
        const message = c.steps.flatMap((st) => st.failures.map((x) => x.message))[0] ?? 'failed';
        (c.id === SNAPSHOT_CASE ? snapshot : failed).push(`${path.basename(f.file)} ${c.id}: ${message}`);
      }
    }
    return { failed, snapshot };
  }

  /** The new version in a throwaway container, hardened like the server (Registry.trial, as `berth install` tests): its tools against the running ones. */
  private async toolDiff(sup: ServerSupervisor, fields: Pick<ServerSpec, 'image' | 'build'>, progress: Progress): Promise<ToolDiff | undefined> {
    const input = await this.entryWith(sup, fields);
    const tools = await this.d.registry.trial(input, async (trial, lastOutput) => {
      await trial.build(progress, false);
      progress(`testing it in a throwaway container`);
      try {
        await trial.start(progress);
      } catch (e) {
        const out = await lastOutput();
        const reason = (e as Error).message.replace(`server ${trial.name} failed to start: `, '');
        throw new Error(`failed its test start: ${reason}${out.length ? `; its last output: ${out.join(' | ')}` : ''}`);
      }
      return (trial.offeredCapabilities?.tools ?? []).map((t) => t.name);
    }, 'update');
    progress(`the test start answered with ${tools.length} tool${tools.length === 1 ? '' : 's'}`);
    // Compared with what the server offers as it runs; a stopped one's tools are not known, and its pins judge them at its next start.
    const offered = sup.offeredCapabilities?.tools.map((t) => t.name);
    if (!offered) return undefined;
    return { added: tools.filter((t) => !offered.includes(t)), removed: offered.filter((t) => !tools.includes(t)) };
  }

  /**
   * Puts the server on other image fields: the supervisor's create-beside-then-rename when it runs,
   * then its spec file, so the next daemon runs the same. A server that crashed meanwhile is
   * started again on them (a stopped one stays stopped).
   */
  private async swap(sup: ServerSupervisor, fields: Pick<ServerSpec, 'image' | 'build'>, progress: Progress, keptAs?: string): Promise<void> {
    const wanted = sup.running || sup.phase === 'exited' || sup.phase === 'error' || sup.phase === 'oom-killed';
    const input = await this.entryWith(sup, fields);
    const resolved = resolveSpec(sup.name, input, sup.spec.source);
    if ('error' in resolved) throw new Error(resolved.error);
    const rt = this.d.registry.runtimeFor(sup.spec.host);
    // A kept name brings back an image whose own tag was taken away (a moved registry tag, a prune of its tag).
    const image = imageOf({ ...sup.spec, ...fields });
    if (keptAs && !(await rt.imageExists(image)) && (await rt.imageExists(keptAs))) await rt.tagImage(keptAs, image);
    const wasRunning = sup.running;
    await sup.apply(resolved.spec, progress, true);
    if (!wasRunning && wanted) await sup.restart(progress);
    await setServerFields(sup.spec.source, sup.name, { image: fields.image, build: fields.build });
    await this.d.registry.sync();
  }

  /** What ran (`spec`, at `version`, brought back by `fields`) goes into the history under a tag no prune removes; what falls past `keep` is let go. */
  private async remember(name: string, spec: ServerSpec, version: string, fields: Pick<ServerSpec, 'image' | 'build'>): Promise<void> {
    const rt = this.d.registry.runtimeFor(spec.host);
    const keptAs = keepTag(this.d.instance, name, version);
    const image = imageOf(spec);
    if (await rt.imageExists(image)) await rt.tagImage(image, keptAs);
    const entry: PastVersion = { version, image: imageOf({ ...spec, ...fields }), build: fields.build, keptAs, at: Date.now() };
    for (const dropped of this.d.history.push(name, entry, spec.update.keep)) {
      await rt.untagImage(dropped.keptAs).catch(() => undefined);
      this.log(name, `no longer keeping ${dropped.version} (${dropped.image}) to roll back to (update.keep is ${spec.update.keep})`);
    }
  }

  /** The server's own spec entry with other image fields: what an update writes and tests. */
  private async entryWith(sup: ServerSupervisor, fields: Pick<ServerSpec, 'image' | 'build'>): Promise<ServerSpecInput> {
    const entry = await readServerEntry(sup.spec.source, sup.name);
    if (!entry) throw new Error(`${sup.spec.source} no longer defines ${sup.name}`);
    return ServerSpecInput.parse({ ...entry, image: fields.image, build: fields.build });
  }

  private async checkOne(sup: ServerSupervisor): Promise<Candidate> {
    const c = await checkSpec(this.d.registry.runtimeFor(sup.spec.host), sup.spec);
    this.lastChecked.set(sup.name, c.check.checkedAt);
    const { available, current, change } = c.check;
    const found = available && current && change ? { current, available, change, checkedAt: c.check.checkedAt } : undefined;
    if (found?.available !== sup.availableUpdate?.available) this.log(sup.name, found ? `update available: ${current} → ${available}` : `no update available${c.check.note ? ` (${c.check.note})` : ''}`);
    sup.availableUpdate = found;
    this.d.registry.announce();
    return c;
  }

  private finish(sup: ServerSupervisor, action: 'update' | 'rollback', r: UpdateResult): UpdateResult {
    this.d.audit.note({ t: Date.now(), server: sup.name, action, outcome: r.outcome, from: r.from, to: r.to, reason: r.outcome === 'updated' ? undefined : r.message });
    this.log(sup.name, r.message);
    return r;
  }

  private exclusive<T>(name: string, op: () => Promise<T>): Promise<T> {
    const next = (this.busy.get(name) ?? Promise.resolve()).catch(() => undefined).then(op);
    this.busy.set(name, next);
    return next;
  }

  private tick(): void {
    for (const sup of this.d.registry.all()) {
      const { policy, interval, apply } = sup.spec.update;
      if (policy === 'manual') continue;
      const last = this.lastChecked.get(sup.name);
      if (last !== undefined && (policy === 'startup' || Date.now() - last < parseDuration(interval))) continue;
      // Marked before it runs, so a slow registry is not asked again by the next tick.
      this.lastChecked.set(sup.name, Date.now());
      void this.exclusive(sup.name, async () => {
        const c = await this.checkOne(sup);
        if (c.check.change && appliesAlone(apply, c.check.change)) await this.update(sup, false, [], (line) => this.log(sup.name, line));
      }).catch((e: Error) => this.log(sup.name, `the scheduled update check failed: ${e.message}`));
    }
  }

  private log(name: string, text: string): void {
    this.d.logs.append(name, 'berth', `${text}\n`);
  }
}
