import path from 'node:path';
import { z } from 'zod';
import type { Gateway } from './server.js';
import { writePrivateFile } from '../atomicFile.js';
import { readStateFile } from '../stateFile.js';

const Saved = z.object({ port: z.number().int().min(1).max(65535) });

/**
 * Client configs hold the gateway URL, so the port should not move: BERTH_GATEWAY_PORT if set,
 * else the port used last time, else any free port (remembered for next time).
 */
export async function listenOnStablePort(gateway: Gateway, stateDir: string, env: NodeJS.ProcessEnv, report: (sentence: string) => void): Promise<number> {
  if (env.BERTH_GATEWAY_PORT) return gateway.listen(Number(env.BERTH_GATEWAY_PORT));
  const file = path.join(stateDir, 'gateway.json');
  const saved = await readStateFile(file, Saved.optional(), undefined, report);
  let port: number;
  try {
    port = await gateway.listen(saved?.port ?? 0);
  } catch {
    port = await gateway.listen(0);
  }
  writePrivateFile(file, JSON.stringify({ port }));
  return port;
}
