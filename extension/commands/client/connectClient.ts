import * as vscode from 'vscode';
import { ClientsList, ClientsRegister, type ClientId } from '../../../daemon/protocol/clients.js';
import type { Ctx } from '../../ctx.js';
import { pickServers } from '../pickServers.js';
import { inert } from '../../untrustedText.js';

/** Clients that also read a per-project file, which Berth can write for the open workspace. */
const PROJECT_CLIENTS: readonly ClientId[] = ['cursor', 'claude-code', 'vscode'];

/**
 * "Connect to an MCP Client…": writes Berth entries for the chosen servers into another client's
 * config file (Claude Desktop, Cursor, …), keeping everything else in it. VS Code itself needs
 * none of this: Berth registers its servers with VS Code natively.
 */
export async function connectClient(ctx: Ctx, node?: unknown, nodes?: unknown): Promise<void> {
  const servers = await pickServers(ctx, node, nodes, { verb: 'connect', many: true });
  if (servers.length === 0) return;
  const clients = await ctx.request(ClientsList, {});
  const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const items = [
    ...clients
      .filter((c) => c.scope === 'user')
      .map((c) => ({ label: c.label, description: c.installed ? 'installed' : 'not found on this machine', detail: c.file, client: c.client, project: undefined as string | undefined })),
    ...(workspace
      ? PROJECT_CLIENTS.map((client) => ({ label: `${clients.find((c) => c.client === client)?.label ?? client} — this workspace`, description: 'project file', detail: workspace, client, project: workspace }))
      : []),
  ];
  const picked = await vscode.window.showQuickPick(items, { placeHolder: `Connect ${servers.join(', ')} to which client?`, matchOnDetail: true });
  if (!picked) return;
  const result = await ctx.request(ClientsRegister, { client: picked.client, project: picked.project, servers });
  const backup = result.backup ? ` (the previous file is kept as ${result.backup})` : '';
  void vscode.window.showInformationMessage(inert(`Berth wrote ${result.written.join(', ') || 'nothing new'} into ${result.file}${backup}. Restart ${picked.label} to pick it up.`));
}
