import * as vscode from 'vscode';
import type { Ctx } from '../../ctx.js';
import { connectionInfo } from '../../mcp/definitions.js';
import { pickServers } from '../pickServers.js';
import { inert } from '../../untrustedText.js';

/** Puts an `mcpServers` entry on the clipboard for clients Berth does not configure itself. */
export async function copyServerConnection(ctx: Ctx, node?: unknown, nodes?: unknown): Promise<void> {
  const [name] = await pickServers(ctx, node, nodes, { verb: 'copy the connection info of' });
  if (name === undefined) return;
  await vscode.env.clipboard.writeText(connectionInfo(name, ctx.berthEntry, process.env.BERTH_HOME));
  void vscode.window.showInformationMessage(inert(`Copied the MCP client entry for ${name} (it runs \`berth connect ${name}\`).`));
}
