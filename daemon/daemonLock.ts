import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import net from 'node:net';
import { daemonLockAddress } from './protocol/paths.js';
import { isProcessAlive } from './processAlive.js';

/** Held for the daemon's life; released by the kernel (Linux) or on exit. */
export interface DaemonLock {
  release(): void;
}

/**
 * Makes sure one daemon at a time owns a Berth home, before it touches the socket: without it two
 * daemons racing to start both see a stale socket, and the second unlinks the first's new one.
 * On Linux the lock is an abstract-namespace socket, which the kernel frees the instant its owner
 * dies, even by kill -9, so a crash never leaves a stale lock. Elsewhere, an exclusive pid file.
 */
export async function acquireDaemonLock(socketPath: string): Promise<DaemonLock> {
  const address = daemonLockAddress(socketPath);
  return address ? abstractSocketLock(address, socketPath) : pidFileLock(`${socketPath}.lock`);
}

function abstractSocketLock(name: string, socketPath: string): Promise<DaemonLock> {
  const server = net.createServer((s) => s.destroy());
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      reject(e.code === 'EADDRINUSE' ? alreadyRunning(socketPath) : e);
    });
    server.listen(name, () => {
      server.unref();
      resolve({ release: () => server.close() });
    });
  });
}

function pidFileLock(file: string): DaemonLock {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return { release: () => unlinkSync(file) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number(readFileSync(file, 'utf8').trim());
      if (owner > 0 && isProcessAlive(owner)) throw alreadyRunning(file);
      // The owner died without cleaning up: its lock is stale.
      unlinkSync(file);
    }
  }
  throw alreadyRunning(file);
}

/** Another daemon holds the lock; the one that lost the race just exits. */
export class DaemonAlreadyRunning extends Error {}

function alreadyRunning(where: string): Error {
  return new DaemonAlreadyRunning(`a Berth daemon is already running on ${where} (or starting); use that one, or stop it first with \`berth daemon stop\``);
}
