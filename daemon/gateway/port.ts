import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Gateway } from './server.js';
import { writePrivateFile } from '../atomicFile.js';

const Saved = z.object({ port: z.number().int().min(1).max(65535) });

/**
 * Client configs hold the gateway URL, so the port should not move: BERTH_GATEWAY_PORT if set,
 * else the port used last time, else any free port (remembered for next time).
 */
export async function listenOnStablePort(gateway: Gateway, stateDir: string, env: NodeJS.ProcessEnv): Promise<number> {
  if (env.BERTH_GATEWAY_PORT) return gateway.listen(Number(env.BERTH_GATEWAY_PORT));
  const file = path.join(stateDir, 'gateway.json');
  const saved = Saved.safeParse(JSON.parse(await readFile(file, 'utf8').catch(() => '{}')));
  let port: number;
  try {
    port = await gateway.listen(saved.success ? saved.data.port : 0);
  } catch {
    port = await gateway.listen(0);
  }
  writePrivateFile(file, JSON.stringify({ port }));
  return port;
}
