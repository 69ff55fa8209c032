// Opens a socket to the user's daemon, starting one in the background when nobody answers.
// Shared by the CLI and the extension, which spawns with the editor's Node (Electron in desktop
// VS Code, hence ELECTRON_RUN_AS_NODE).
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { DAEMON_ALREADY_RUNNING_EXIT, daemonLockAddress, type BerthPaths } from '../protocol/paths.js';

export interface DaemonLaunch {
  /** The berth CLI: a .js bundle run with `node`, or an executable. */
  entry: string;
  /** The Node that runs a .js entry (Electron with ELECTRON_RUN_AS_NODE in desktop VS Code). */
  execPath: string;
  autoStart: boolean;
  log(line: string): void;
}

function connectSocket(socket: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(socket);
    s.once('connect', () => {
      s.removeAllListeners('error');
      resolve(s);
    });
    s.once('error', reject);
  });
}

export async function openDaemonSocket(paths: BerthPaths, launch: DaemonLaunch, timeoutMs = 20_000): Promise<net.Socket> {
  const existing = await connectSocket(paths.socket).catch(() => undefined);
  if (existing) {
    launch.log(`joined the daemon on ${paths.socket}`);
    return existing;
  }
  if (!launch.autoStart) throw new Error(`no Berth daemon is running on ${paths.socket} and berth.daemon.autoStart is off; run \`berth daemon\``);
  const deadline = Date.now() + timeoutMs;
  let daemon: Awaited<ReturnType<typeof startDaemon>> | undefined;
  for (;;) {
    const s = await connectSocket(paths.socket).catch(() => undefined);
    if (s) return s;
    // A daemon that holds the lock is on its way (or on its way out): wait for it rather than start
    // one that would lose, and start one only when nobody holds the lock.
    const lostRace = daemon?.exited === true && daemon.code === DAEMON_ALREADY_RUNNING_EXIT;
    if ((!daemon || lostRace) && !(await daemonStarting(paths.socket))) {
      launch.log(`no daemon on ${paths.socket}; starting ${launch.entry} daemon`);
      daemon = await startDaemon(paths, launch);
    }
    if (daemon?.exited && daemon.code !== DAEMON_ALREADY_RUNNING_EXIT && Date.now() > daemon.exitedAt + 1000) throw new Error(`the Berth daemon could not start: ${await lastLine(paths.daemonLog)}`);
    if (Date.now() > deadline) throw new Error(`the Berth daemon did not come up within ${timeoutMs / 1000} s; see ${paths.daemonLog}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function daemonStarting(socket: string): Promise<boolean> {
  const lock = daemonLockAddress(socket);
  if (!lock) return false;
  const s = await connectSocket(lock).catch(() => undefined);
  s?.destroy();
  return s !== undefined;
}

async function startDaemon(paths: BerthPaths, launch: DaemonLaunch): Promise<{ exited: boolean; exitedAt: number; code: number | null }> {
  await mkdir(path.dirname(paths.daemonLog), { recursive: true, mode: 0o700 });
  const out = openSync(paths.daemonLog, 'a', 0o600);
  const isScript = /\.[cm]?js$/.test(launch.entry);
  const [command, args] = isScript ? [launch.execPath, [launch.entry, 'daemon']] : [launch.entry, ['daemon']];
  // Detached and unreferenced: the daemon is shared by every window and outlives this one.
  const child = spawn(command, args, { detached: true, stdio: ['ignore', out, out], env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', BERTH_DAEMON_LAUNCHED: '1' } });
  closeSync(out);
  const state: { exited: boolean; exitedAt: number; code: number | null } = { exited: false, exitedAt: 0, code: null };
  child.once('error', () => Object.assign(state, { exited: true, exitedAt: Date.now() }));
  child.once('exit', (code) => Object.assign(state, { exited: true, exitedAt: Date.now(), code }));
  child.unref();
  return state;
}

async function lastLine(file: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const lines = text.trim().split('\n');
  return (lines[lines.length - 1] ?? '').replace(/^\S+Z /, '').replace(/^berth: /, '') || `see ${file}`;
}
