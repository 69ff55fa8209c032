import * as vscode from 'vscode';
import { HostsList, HostsRemove, LOCAL_HOST } from '../../../daemon/protocol/hosts.js';
import type { Ctx } from '../../ctx.js';
import { isBerthNode } from '../../tree/nodes.js';
import { inert, inertItem } from '../../untrustedText.js';

/** Forgets an SSH host (the daemon refuses while servers still run there, and says so). */
export async function removeHost(ctx: Ctx, node?: unknown): Promise<void> {
  let name = isBerthNode(node) && node.kind === 'host' ? node.host : undefined;
  if (!name) {
    const hosts = (await ctx.request(HostsList, {})).filter((h) => h.name !== LOCAL_HOST);
    if (hosts.length === 0) return void vscode.window.showInformationMessage('Berth has no SSH hosts.');
    name = (await vscode.window.showQuickPick(hosts.map((h) => inertItem({ label: h.name, description: h.url, detail: `${h.state}, ${h.servers} server(s)`, name: h.name })), { placeHolder: 'Host to remove' }))?.name;
  }
  if (!name || name === LOCAL_HOST) return;
  const ok = await vscode.window.showWarningMessage(inert(`Remove host ${name} from Berth?`), { modal: true }, 'Remove');
  if (ok !== 'Remove') return;
  await ctx.request(HostsRemove, { name });
}
