import type { Ctx } from '../../ctx.js';
import type { ServerDetailsPanels } from '../../webview/serverDetailsPanel.js';
import { pickServers } from '../pickServers.js';

/** Opens (or reveals) a live panel per server: state, health, usage and what it offers. */
export async function showServerDetails(ctx: Ctx, details: ServerDetailsPanels, node?: unknown, nodes?: unknown): Promise<void> {
  const names = await pickServers(ctx, node, nodes, { verb: 'show the details of' });
  for (const name of names) details.show(name);
}
