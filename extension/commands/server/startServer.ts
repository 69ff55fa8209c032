import * as M from '../../../daemon/protocol/methods.js';
import type { Ctx } from '../../ctx.js';
import { startWithSecrets } from '../../secrets/startWithSecrets.js';
import { isRunning } from '../../tree/nodes.js';
import { pickServers } from '../pickServers.js';

export async function startServer(ctx: Ctx, node?: unknown, nodes?: unknown): Promise<void> {
  const names = await pickServers(ctx, node, nodes, { verb: 'start', want: (s) => !isRunning(s), many: true });
  await startServers(ctx, names.filter((n) => !isRunning(ctx.server(n) ?? { phase: 'stopped' })));
}

/**
 * Starts servers with a progress notification fed by the daemon (image builds can take a while),
 * handing over the secrets they name first.
 */
export async function startServers(ctx: Ctx, names: readonly string[]): Promise<void> {
  await startWithSecrets(ctx, 'Starting', names, (name, progressToken) => ctx.request(M.ServersStart, { name, progressToken }));
}
