import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { isProcessAlive } from '../daemon/processAlive.js';
import { findCatalogEntry } from '../daemon/servers/catalog.js';
import { FIXTURE_IMAGE, freePort, waitFor } from './support.js';

const run = promisify(execFile);

/**
 * The "remote" host's engine: a second engine of the run's own, on an empty data root, that
 * scripts/with-test-engines.sh starts beside the local one (`npm test` runs through it).
 */
function remoteEngine(): { dir: string; socket: string } {
  const dir = process.env.BERTH_REMOTE_ENGINE;
  if (!dir) throw new Error('the remote suites need a second engine of their own: run them through scripts/with-test-engines.sh (npm test does), which sets BERTH_REMOTE_ENGINE');
  return { dir, socket: path.join(dir, 'docker.sock') };
}
export const remoteSocket = (): string => remoteEngine().socket;
/** Where the second engine keeps its images and containers: a test asks the remote side for it. */
export const remoteDataRoot = (): string => path.join(remoteEngine().dir, 'data');
export const EVERYTHING_IMAGE = findCatalogEntry('everything')!.spec.image;

/** Users provision-remote.sh makes: one that works and one for each clear-error case. */
export const USERS = { ok: 'berthremote', noPermission: 'berthnoperm', noCli: 'berthnocli', noEngine: 'berthnoengine' } as const;

export async function remoteDocker(args: string[]): Promise<string> {
  return (await run('docker', ['-H', `unix://${remoteSocket()}`, ...args])).stdout;
}

/** Containers of a Berth home on the remote engine, by label. */
export async function remoteContainers(instance: string): Promise<{ id: string; server: string; state: string }[]> {
  const out = await remoteDocker(['ps', '-a', '--no-trunc', '--filter', `label=berth.instance=${instance}`, '--format', '{{.ID}}\t{{.Label "berth.server"}}\t{{.State}}']);
  return out.trim().split('\n').filter(Boolean).map((l) => {
    const [id = '', server = '', state = ''] = l.split('\t');
    return { id, server, state };
  });
}

/** Stops the second engine and starts it again (its containers stop with it), as an upgrade would. */
export async function restartSecondEngine(): Promise<void> {
  const { dir } = remoteEngine();
  const pid = Number(readFileSync(path.join(dir, 'docker.pid'), 'utf8').trim());
  // Its managed containerd goes after it; the next dockerd starts its own in the same exec root.
  const all = [pid, ...childrenOf(pid).filter((p) => commandLine(p).startsWith('containerd '))];
  process.kill(pid, 'SIGTERM');
  await waitFor('the second dockerd and its containerd to exit', async () => !all.some(isProcessAlive), 60_000);
  await run('bash', [path.resolve('scripts', 'test-engine.sh'), 'start', dir]);
}

/**
 * Makes sshd's users (scripts/provision-remote.sh, idempotent) and loads these images into the
 * second engine from the local one (there is no registry), each again whenever the local image
 * under that tag was rebuilt.
 */
export async function provisionSecondEngine(images: string[]): Promise<void> {
  await run('bash', [path.resolve('scripts', 'provision-remote.sh')]);
  for (const image of images) {
    const local = (await run('docker', ['image', 'inspect', '-f', '{{.Id}}', image])).stdout.trim();
    const there = (await remoteDocker(['image', 'inspect', '-f', '{{.Id}}', image]).catch(() => '')).trim();
    if (there !== local) await run('bash', ['-o', 'pipefail', '-c', 'docker save "$1" | docker -H "$2" load -q >/dev/null', 'load', image, `unix://${remoteSocket()}`], { maxBuffer: 1 << 24 });
  }
}

async function keygen(file: string, passphrase = ''): Promise<string> {
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', 'berth-test', '-f', file]);
  return (await readFile(`${file}.pub`, 'utf8')).trim();
}

/**
 * A real sshd on loopback in front of the second engine, plus a HOME whose ~/.ssh holds the
 * client side (config, keys, known_hosts) the daemon under test reads. Everything lives under one
 * temp folder; `stop` ends only the processes this made.
 */
export class RemoteHost {
  private sshd: ChildProcess | undefined;
  /** Every line sshd logged (LogLevel VERBOSE), across restarts: what a test counts connections by. */
  private readonly sshdLog: string[] = [];
  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  /** Provisions the machine (idempotent) and starts sshd with host key `a`. */
  static async start(): Promise<RemoteHost> {
    await provisionSecondEngine([EVERYTHING_IMAGE, FIXTURE_IMAGE]);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'berth-remote-'));
    // sshd reads authorized keys as the target user, and skips StrictModes only where told.
    await chmod(dir, 0o755);
    const host = new RemoteHost(dir, await freePort());
    await mkdir(host.sshDir, { recursive: true, mode: 0o700 });
    await mkdir(path.join(dir, 'authorized'), { mode: 0o755 });
    await keygen(path.join(dir, 'host_a'));
    await keygen(path.join(dir, 'host_b'));
    const pub = await keygen(path.join(host.sshDir, 'id_ed25519'));
    const lockedPub = await keygen(path.join(dir, 'id_locked'), 'correct horse');
    for (const user of Object.values(USERS)) {
      await writeFile(path.join(dir, 'authorized', user), `${pub}\n${lockedPub}\n`, { mode: 0o644 });
    }
    await host.startSshd('a');
    return host;
  }

  get home(): string {
    return path.join(this.dir, 'home');
  }
  get sshDir(): string {
    return path.join(this.home, '.ssh');
  }
  /** The client environment for the daemon: this HOME, and no agent unless a test starts one. */
  get env(): NodeJS.ProcessEnv {
    return { HOME: this.home, SSH_AUTH_SOCK: '' };
  }

  url(user: string = USERS.ok): string {
    return `ssh://${user}@127.0.0.1:${this.port}`;
  }

  /** `[127.0.0.1]:PORT ssh-ed25519 KEY` for host key `a` or `b`. */
  async knownHostsLine(key: 'a' | 'b'): Promise<string> {
    const [type, blob] = (await readFile(path.join(this.dir, `host_${key}.pub`), 'utf8')).trim().split(/\s+/);
    return `[127.0.0.1]:${this.port} ${type} ${blob}`;
  }

  async fingerprint(key: 'a' | 'b'): Promise<string> {
    const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', path.join(this.dir, `host_${key}.pub`)]);
    return stdout.split(/\s+/)[1] ?? '';
  }

  async startSshd(hostKey: 'a' | 'b'): Promise<void> {
    const env = (u: string, vars: string) => `Match User ${u}\n  SetEnv ${vars}\n`;
    const remote = `DOCKER_HOST=unix://${remoteSocket()}`;
    const config = [
      `Port ${this.port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${path.join(this.dir, `host_${hostKey}`)}`,
      `PidFile ${path.join(this.dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(this.dir, 'authorized', '%u')}`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'LogLevel VERBOSE',
      // sshd's default, stated so the parallel tests hold against it: past 10 unauthenticated
      // connections it starts dropping new ones ("Connection lost before handshake").
      'MaxStartups 10:30:100',
      env(USERS.ok, remote),
      env(USERS.noPermission, remote),
      env(USERS.noCli, `${remote} PATH=/opt/berth-nocli/bin`),
      env(USERS.noEngine, 'DOCKER_HOST=unix:///run/berth-remote/nothing.sock'),
    ].join('\n');
    const file = path.join(this.dir, 'sshd_config');
    await writeFile(file, `${config}\n`);
    await mkdir('/run/sshd', { recursive: true });
    this.sshd = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    let partial = '';
    this.sshd.stderr?.on('data', (d: Buffer) => {
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop() ?? '';
      this.sshdLog.push(...lines);
    });
    await waitFor(`sshd on port ${this.port} (${this.sshdLog.slice(-5).join(' / ')})`, () => canConnect(this.port), 10_000);
  }

  /** How many SSH connections sshd has authenticated so far ("Accepted publickey" in its log). */
  acceptedConnections(): number {
    return this.sshdLog.filter((l) => l.includes('Accepted publickey for')).length;
  }

  /** Lines sshd logged about connections it dropped or lost before authentication. */
  lostConnections(): string[] {
    return this.sshdLog.filter((l) => /MaxStartups|Connection (reset|closed) by .* \[preauth\]/.test(l));
  }

  /** How many `docker system dial-stdio` channels sshd is serving now (each Docker call runs on one). */
  dialStdioChannels(): number {
    const pid = this.sshd?.pid;
    if (pid === undefined) return 0;
    return childrenOf(pid).filter((p) => commandLine(p).includes('system dial-stdio')).length;
  }

  /** Kills the listener and every session it forked: to clients, a dropped connection. */
  async killSshd(): Promise<void> {
    const pid = this.sshd?.pid;
    if (pid === undefined) return;
    for (const child of childrenOf(pid)) {
      try {
        process.kill(child, 'SIGKILL');
      } catch {
        // It ended on its own meanwhile.
      }
    }
    this.sshd?.kill('SIGKILL');
    await waitFor('sshd to go', async () => !(await canConnect(this.port)), 10_000);
    this.sshd = undefined;
  }

  restartEngine(): Promise<void> {
    return restartSecondEngine();
  }

  async writeSshConfig(text: string): Promise<void> {
    await writeFile(path.join(this.sshDir, 'config'), text, { mode: 0o600 });
  }

  async writeKnownHosts(text: string): Promise<void> {
    await writeFile(path.join(this.sshDir, 'known_hosts'), text, { mode: 0o600 });
  }

  lockedKey(): string {
    return path.join(this.dir, 'id_locked');
  }

  async stop(): Promise<void> {
    await this.killSshd().catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * A TCP listener on loopback that accepts connections and never says anything: to an SSH client,
 * a host that hangs (a wedged sshd, or another service on the port).
 */
export async function silentListener(): Promise<{ port: number; close: () => void }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}


function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/** Every descendant of a process, found through /proc (sshd forks a process per session). */
function childrenOf(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
    } catch {
      // The process ended while we looked.
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of parents.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}
