import * as vscode from 'vscode';
import * as M from '../../../daemon/protocol/methods.js';
import type { Ctx } from '../../ctx.js';
import { renderResourceContents } from '../../tools/renderResults.js';
import { isBerthNode, isRunning } from '../../tree/nodes.js';
import { pickServers } from '../pickServers.js';
import { inertItem } from '../../untrustedText.js';

/** Reads a resource from its server and opens the contents in an editor. */
export async function readResource(ctx: Ctx, node?: unknown, nodes?: unknown): Promise<void> {
  let server: string | undefined;
  let uri: string | undefined;
  if (isBerthNode(node) && node.kind === 'resource') {
    server = node.server.name;
    uri = node.resource.uri;
  } else {
    [server] = await pickServers(ctx, node, nodes, { verb: 'read a resource of', want: (s) => isRunning(s) && (s.capabilities?.resources.length ?? 0) > 0 });
    if (server === undefined) return;
    const resources = ctx.server(server)?.capabilities?.resources ?? [];
    uri = (await vscode.window.showQuickPick(resources.map((r) => inertItem({ label: r.name || r.uri, description: r.uri, uri: r.uri })), { placeHolder: `Resource of ${server}` }))?.uri;
  }
  if (uri === undefined) return;
  const result = await ctx.request(M.ServersReadResource, { name: server, uri });
  const doc = await vscode.workspace.openTextDocument(renderResourceContents(result.contents));
  await vscode.window.showTextDocument(doc, { preview: true });
}
