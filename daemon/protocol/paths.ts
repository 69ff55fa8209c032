import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';

/**
 * Where Berth keeps things. `BERTH_HOME` puts everything under one folder (tests use it to
 * isolate themselves); otherwise the XDG config, state and runtime dirs are used.
 */
export interface BerthPaths {
  /** The user-level server spec file. */
  userSpecFile: string;
  /** Daemon state: logs, persisted server state, the daemon's own log. */
  stateDir: string;
  logsDir: string;
  daemonLog: string;
  socket: string;
  /** Identifies this Berth home on a shared engine, so two homes never touch each other's containers. */
  instance: string;
}

export function berthPaths(env: NodeJS.ProcessEnv = process.env): BerthPaths {
  const home = env.BERTH_HOME;
  const userHome = os.homedir();
  const configDir = home ? path.join(home, 'config') : path.join(env.XDG_CONFIG_HOME || path.join(userHome, '.config'), 'berth');
  const stateDir = home ? path.join(home, 'state') : path.join(env.XDG_STATE_HOME || path.join(userHome, '.local', 'state'), 'berth');
  const runDir = home ? path.join(home, 'run') : env.XDG_RUNTIME_DIR ? path.join(env.XDG_RUNTIME_DIR, 'berth') : path.join(stateDir, 'run');
  return {
    userSpecFile: path.join(configDir, 'servers.yaml'),
    stateDir,
    logsDir: path.join(stateDir, 'logs'),
    daemonLog: path.join(stateDir, 'daemon.log'),
    socket: path.join(runDir, 'daemon.sock'),
    instance: instanceId(path.resolve(configDir)),
  };
}

function instanceId(configDir: string): string {
  return createHash('sha256').update(configDir).digest('hex').slice(0, 10);
}

/**
 * The daemon's lock on Linux: an abstract-namespace socket, which the kernel frees the moment its
 * owner dies. Clients connect to it to learn that a daemon is starting, so they do not start another.
 */
export function daemonLockAddress(socket: string): string | undefined {
  return process.platform === 'linux' ? `\0berth-daemon-${createHash('sha256').update(socket).digest('hex').slice(0, 24)}` : undefined;
}

/** How `berth daemon` exits when another daemon holds this home: whoever spawned it joins that one. */
export const DAEMON_ALREADY_RUNNING_EXIT = 75;
