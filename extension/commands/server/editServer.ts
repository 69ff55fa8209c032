import type { Ctx } from '../../ctx.js';
import type { ServerForms } from '../../webview/serverFormPanel.js';
import { pickServers } from '../pickServers.js';

/** Opens the server form on a server's entry, to change it in its spec file. */
export async function editServer(ctx: Ctx, forms: ServerForms, node?: unknown, nodes?: unknown): Promise<void> {
  const names = await pickServers(ctx, node, nodes, { verb: 'edit' });
  for (const name of names) await forms.show(name);
}
