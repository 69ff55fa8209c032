import { DaemonAlreadyRunning } from './daemonLock.js';
import { runDaemon } from './daemonProcess.js';
import { berthPaths, DAEMON_ALREADY_RUNNING_EXIT } from './protocol/paths.js';

/**
 * `berth daemon`: the daemon in the foreground. Bundled apart from the CLI (dist/berthd.js) and
 * loaded only by this verb, so every other verb, `berth connect` above all, starts without it.
 */
export async function runDaemonCommand(): Promise<never> {
  await runDaemon(berthPaths()).catch((e: Error) => {
    if (!(e instanceof DaemonAlreadyRunning)) throw e;
    process.stderr.write(`berth: ${e.message}\n`);
    // A client that launched this daemon joins the one that won; a person reads a plain failure.
    process.exit(process.env.BERTH_DAEMON_LAUNCHED === '1' ? DAEMON_ALREADY_RUNNING_EXIT : 1);
  });
  // Clients still connected (bridges, windows) must not keep a stopped daemon alive.
  process.exit(0);
}
