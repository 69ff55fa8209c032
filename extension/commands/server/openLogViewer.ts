import type { Ctx } from '../../ctx.js';
import type { LogViewers } from '../../webview/logViewerPanel.js';
import { pickServers } from '../pickServers.js';

/** Opens (or reveals) a server's log viewer: follow, filter, search, jump to a time, copy. */
export async function openLogViewer(ctx: Ctx, viewers: LogViewers, node?: unknown, nodes?: unknown): Promise<void> {
  const names = await pickServers(ctx, node, nodes, { verb: 'view the logs of' });
  for (const name of names) viewers.show(name);
}
