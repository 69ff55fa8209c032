import * as M from '../../../daemon/protocol/methods.js';
import type { Ctx } from '../../ctx.js';
import { startWithSecrets } from '../../secrets/startWithSecrets.js';
import { pickServers } from '../pickServers.js';

export async function restartServer(ctx: Ctx, node?: unknown, nodes?: unknown): Promise<void> {
  const names = await pickServers(ctx, node, nodes, { verb: 'restart', many: true });
  await startWithSecrets(ctx, 'Restarting', names, (name, progressToken) => ctx.request(M.ServersRestart, { name, progressToken }));
}
