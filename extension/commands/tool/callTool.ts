import * as vscode from 'vscode';
import * as M from '../../../daemon/protocol/methods.js';
import type { Ctx } from '../../ctx.js';
import { renderToolResult } from '../../tools/renderResults.js';
import { argumentSkeleton, parseArguments } from '../../tools/toolInput.js';
import { isBerthNode, isRunning, type ToolInfo } from '../../tree/nodes.js';
import { pickServers } from '../pickServers.js';
import { inertItem } from '../../untrustedText.js';

/** Calls a tool with JSON arguments checked against its input schema, and shows the result. */
export async function callTool(ctx: Ctx, node?: unknown, nodes?: unknown): Promise<void> {
  let server: string | undefined;
  let tool: ToolInfo | undefined;
  if (isBerthNode(node) && node.kind === 'tool') {
    server = node.server.name;
    tool = node.tool;
  } else {
    [server] = await pickServers(ctx, node, nodes, { verb: 'call a tool of', want: (s) => isRunning(s) && (s.capabilities?.tools.length ?? 0) > 0 });
    if (server === undefined) return;
    const tools = ctx.server(server)?.capabilities?.tools ?? (await ctx.request(M.ServersCapabilities, { name: server })).tools;
    const picked = await vscode.window.showQuickPick(
      tools.map((t) => inertItem({ label: t.name, detail: t.description, tool: t })),
      { placeHolder: `Tool of ${server} to call`, matchOnDetail: true },
    );
    tool = picked?.tool;
  }
  if (!tool) return;
  const schema = tool.inputSchema;
  const skeleton = argumentSkeleton(schema);
  const hasParams = typeof schema === 'object' && schema !== null && Object.keys((schema as { properties?: object }).properties ?? {}).length > 0;
  let args: Record<string, unknown> = {};
  if (hasParams) {
    const text = await vscode.window.showInputBox({
      title: `Call ${server} › ${tool.name}`,
      prompt: 'Arguments as a JSON object (checked against the tool\'s input schema)',
      value: JSON.stringify(skeleton),
      validateInput: (v) => {
        const r = parseArguments(v, schema);
        return r.ok ? undefined : r.error;
      },
    });
    if (text === undefined) return;
    const parsed = parseArguments(text, schema);
    if (!parsed.ok) throw new Error(parsed.error);
    args = parsed.value;
  }
  const name = server;
  const toolName = tool.name;
  const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Calling ${toolName}` }, () =>
    ctx.request(M.ServersCallTool, { name, tool: toolName, arguments: args }),
  );
  const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: renderToolResult(`${name} › ${toolName}`, result) });
  await vscode.window.showTextDocument(doc, { preview: true });
}
