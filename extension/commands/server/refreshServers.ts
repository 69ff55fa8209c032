import type { Ctx } from '../../ctx.js';

/** Re-reads everything from the daemon; the views normally follow its notifications on their own. */
export async function refreshServers(ctx: Ctx): Promise<void> {
  if (ctx.connection.kind === 'failed') await ctx.start();
  else await ctx.refresh();
}
