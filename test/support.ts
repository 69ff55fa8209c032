import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { berthPaths } from '../daemon/protocol/paths.js';
import { isProcessAlive } from '../daemon/processAlive.js';
import type { ServerStatus } from '../daemon/protocol/status.js';
import { runningDaemonPid } from './daemonPid.js';

const run = promisify(execFile);
/** The SDK v2 conformance fixture's source, bundled into the fixture image. */
const MODERN_FIXTURE_DIR = path.join('test', 'fixtures', 'modern');
/**
 * The image of the fixture servers, tagged by their content: a run from another checkout on the
 * same engine (with other fixtures) never swaps it under this one.
 */
export const FIXTURE_IMAGE = `berth-test/fixtures:${fixturesHash()}`;
export const BERTH = path.resolve('dist', 'berth.js');

export interface StatusJson {
  daemon: { pid: number; version: string };
  engine: { ok: boolean; version?: string; error?: string };
  specErrors: string[];
  notices: string[];
  servers: ServerStatus[];
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Set when the CLI was killed (by the test's timeout, say). */
  signal?: string;
}

/** What the fixture image is made of: the plain servers, the modern fixture's source, and the lock file that fixes the SDK bundled into it. */
function fixturesHash(): string {
  const hash = createHash('sha256');
  for (const dir of [path.join('test', 'fixtures', 'servers'), MODERN_FIXTURE_DIR]) {
    for (const file of readdirSync(dir).sort()) hash.update(path.join(dir, file)).update(readFileSync(path.join(dir, file)));
  }
  hash.update(readFileSync('package-lock.json'));
  return hash.digest('hex').slice(0, 12);
}

/**
 * Bundles the SDK v2 fixtures (test/fixtures/modern) into one CommonJS file each, which runs on
 * plain Node with no node_modules: how the fixture image carries them. `conformance.js` is the
 * SDK's conformance server (both eras); `modern.js` speaks only 2026-07-28.
 */
export async function bundleSdkFixtures(outdir: string): Promise<void> {
  await build({
    entryPoints: { conformance: path.join(MODERN_FIXTURE_DIR, 'main.ts'), modern: path.join(MODERN_FIXTURE_DIR, 'modernOnly.mjs') },
    outdir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
  });
}

/** An isolated Berth home with its own daemon; `dispose` kills the daemon and removes its containers. */
export class TestHome {
  private constructor(readonly dir: string) {}

  static async create(): Promise<TestHome> {
    return new TestHome(await mkdtemp(path.join(os.tmpdir(), 'berth-test-')));
  }

  get env(): NodeJS.ProcessEnv {
    return { ...process.env, BERTH_HOME: this.dir, BERTH_PROGRESS: '0' };
  }

  get paths() {
    return berthPaths({ BERTH_HOME: this.dir });
  }

  /** Runs the real CLI bundle. */
  async berth(args: string[], extraEnv: NodeJS.ProcessEnv = {}, timeoutMs = 180_000): Promise<CliResult> {
    return new Promise((resolve) => {
      execFile(process.execPath, [BERTH, ...args], { env: { ...this.env, ...extraEnv }, timeout: timeoutMs }, (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr, signal: err?.signal ?? undefined });
      });
    });
  }

  /** Like berth() but fails the test with the CLI's stderr unless it exits 0. */
  async ok(args: string[]): Promise<string> {
    const r = await this.berth(args);
    if (r.code !== 0) {
      const daemonLog = (await readFile(this.paths.daemonLog, 'utf8').catch(() => '')).split('\n').slice(-10).join('\n');
      throw new Error(`berth ${args.join(' ')} exited ${r.code}${r.signal ? ` (killed by ${r.signal})` : ''}: ${r.stderr}\ndaemon log:\n${daemonLog}`);
    }
    return r.stdout;
  }

  async json<T>(args: string[]): Promise<T> {
    return JSON.parse(await this.ok([...args, '--json'])) as T;
  }

  async status(): Promise<StatusJson> {
    return this.json<StatusJson>(['status']);
  }

  async server(name: string): Promise<ServerStatus> {
    const [s] = (await this.json<StatusJson>(['status', name])).servers;
    if (!s) throw new Error(`no status for ${name}`);
    return s;
  }

  /** Containers of this home, by label, straight from the engine. */
  async containers(all = true): Promise<{ id: string; name: string; server: string; state: string }[]> {
    const { stdout } = await run('docker', [
      'ps', ...(all ? ['-a'] : []), '--no-trunc', '--filter', `label=berth.instance=${this.paths.instance}`,
      '--format', '{{.ID}}\t{{.Names}}\t{{.Label "berth.server"}}\t{{.State}}',
    ]);
    return stdout.trim().split('\n').filter(Boolean).map((l) => {
      const [id = '', name = '', server = '', state = ''] = l.split('\t');
      return { id, name, server, state };
    });
  }

  async writeSpecs(yaml: string): Promise<void> {
    const { mkdir, writeFile } = await import('node:fs/promises');
    await mkdir(path.dirname(this.paths.userSpecFile), { recursive: true });
    await writeFile(this.paths.userSpecFile, yaml);
  }

  async readSpecs(): Promise<string> {
    return readFile(this.paths.userSpecFile, 'utf8').catch(() => '');
  }

  async killDaemon(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const pid = await runningDaemonPid(this.paths);
    if (pid === undefined) return;
    process.kill(pid, signal);
    await waitFor(`daemon ${pid} to exit`, async () => !isProcessAlive(pid), 30_000);
  }

  async dispose(): Promise<void> {
    // A daemon that no longer answers cannot be named; its containers still go.
    await this.killDaemon('SIGKILL').catch(() => undefined);
    const ids = (await this.containers()).map((c) => c.id);
    if (ids.length) await run('docker', ['rm', '-f', ...ids]).catch(() => undefined);
    const networks = (await run('docker', ['network', 'ls', '-q', '--filter', `label=berth.instance=${this.paths.instance}`])).stdout.split('\n').filter(Boolean);
    if (networks.length) await run('docker', ['network', 'rm', ...networks]).catch(() => undefined);
    // State volumes (`state:`) outlive their containers by design; a test home's go with it.
    const volumes = (await run('docker', ['volume', 'ls', '-q', '--filter', `label=berth.instance=${this.paths.instance}`])).stdout.split('\n').filter(Boolean);
    if (volumes.length) await run('docker', ['volume', 'rm', '-f', ...volumes]).catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Between two checks of a condition: not a wait for anything, just how often to look. */
const POLL_MS = 250;

/**
 * Polls until `check` returns a truthy value or the time runs out. A check that does not settle
 * (a CLI call stuck on a daemon) counts against the same deadline, so no wait outlives it. The
 * default suits a loaded 2-core machine; a test names a shorter one only when speed is the point.
 */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await settleBy(deadline, check());
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, Math.min(POLL_MS, deadline - Date.now())));
  }
}

function settleBy<T>(deadline: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('a check was still running at the deadline')), Math.max(0, deadline - Date.now()));
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** A port free right now on loopback (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== 'object' || !address) throw new Error('no port');
  return address.port;
}
