import * as vscode from 'vscode';
import type { Ctx } from '../../ctx.js';
import { pickServers } from '../pickServers.js';

/** Opens the spec file that defines the server, with the cursor on its entry. */
export async function openServerSpec(ctx: Ctx, node?: unknown, nodes?: unknown): Promise<void> {
  const [name] = await pickServers(ctx, node, nodes, { verb: 'open the spec of' });
  if (name === undefined) return;
  const source = ctx.server(name)?.source;
  if (!source) throw new Error(`the spec file of ${name} is not known`);
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(source));
  const line = doc.getText().split('\n').findIndex((l) => new RegExp(`^\\s+["']?${name.replace(/[.]/g, '\\.')}["']?\\s*:`).test(l));
  const at = new vscode.Position(Math.max(0, line), 0);
  await vscode.window.showTextDocument(doc, { selection: new vscode.Range(at, at) });
}
