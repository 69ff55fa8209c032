import type { Ctx } from '../../ctx.js';
import type { ServerLogs } from '../../logs/serverLogs.js';
import { pickServers } from '../pickServers.js';

export async function showServerLogs(ctx: Ctx, logs: ServerLogs, node?: unknown, nodes?: unknown): Promise<void> {
  const names = await pickServers(ctx, node, nodes, { verb: 'show the logs of' });
  for (const name of names) await logs.show(name);
}
