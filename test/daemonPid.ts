import { connectDaemon } from '../daemon/client/client.js';
import type { BerthPaths } from '../daemon/protocol/paths.js';
import { DaemonStatus } from '../daemon/protocol/methods.js';

/**
 * The pid of the daemon answering on this home's socket, or undefined when none answers. It never
 * starts one (as every CLI verb would), so a test can tell whose daemon is running.
 */
export async function runningDaemonPid(paths: BerthPaths, timeoutMs = 30_000): Promise<number | undefined> {
  const ask = async () => {
    const client = await connectDaemon(paths, 'berth-test', false).catch(() => undefined);
    if (!client) return undefined;
    try {
      return (await client.request(DaemonStatus, {})).pid;
    } finally {
      client.close();
    }
  };
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the daemon on ${paths.socket} did not answer daemon/status within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    return await Promise.race([ask(), late]);
  } finally {
    clearTimeout(timer);
  }
}
