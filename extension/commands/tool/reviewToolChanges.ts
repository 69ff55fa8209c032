import * as vscode from 'vscode';
import { ToolsApprove, ToolsPending } from '../../../daemon/protocol/policy.js';
import type { Ctx } from '../../ctx.js';
import { pickServers } from '../pickServers.js';
import { inert } from '../../untrustedText.js';

/**
 * Tool pinning, in the editor: shows how a server's tool definitions differ from the ones first
 * seen (changed descriptions or schemas, new tools), which stay withheld until approved here.
 */
export async function reviewToolChanges(ctx: Ctx, node?: unknown, nodes?: unknown): Promise<void> {
  const [name] = await pickServers(ctx, node, nodes, { verb: 'review the tool changes of' });
  if (name === undefined) return;
  const pending = await ctx.request(ToolsPending, { name });
  if (pending.changed.length + pending.added.length === 0) {
    void vscode.window.showInformationMessage(inert(`No tool of ${name} is waiting for approval.`));
    return;
  }
  const doc = await vscode.workspace.openTextDocument({ language: 'diff', content: pending.diff });
  await vscode.window.showTextDocument(doc, { preview: true });
  const tools = [...pending.changed.map((c) => c.tool), ...pending.added.map((t) => t.name)];
  const approve = 'Approve';
  const choice = await vscode.window.showWarningMessage(
    inert(`${name} offers ${tools.length} changed or new tool(s): ${tools.join(', ')}. They are withheld until you approve them.`),
    { modal: true, detail: 'A changed description or schema can make an agent do something other than what you approved. Read the diff first.' },
    approve,
  );
  if (choice !== approve) return;
  const result = await ctx.request(ToolsApprove, { name, tools });
  void vscode.window.showInformationMessage(inert(`Approved ${result.approved.join(', ')} of ${name}.`));
}
