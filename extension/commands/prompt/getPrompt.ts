import * as vscode from 'vscode';
import * as M from '../../../daemon/protocol/methods.js';
import type { Ctx } from '../../ctx.js';
import { promptArguments, renderPromptResult } from '../../tools/renderResults.js';
import { isBerthNode, isRunning } from '../../tree/nodes.js';
import { pickServers } from '../pickServers.js';
import { inertItem } from '../../untrustedText.js';

/** Asks for a prompt's arguments, gets it from the server, and shows its messages. */
export async function getPrompt(ctx: Ctx, node?: unknown, nodes?: unknown): Promise<void> {
  let server: string | undefined;
  let prompt: { name: string; description?: string } | undefined;
  if (isBerthNode(node) && node.kind === 'prompt') {
    server = node.server.name;
    prompt = node.prompt;
  } else {
    [server] = await pickServers(ctx, node, nodes, { verb: 'get a prompt of', want: (s) => isRunning(s) && (s.capabilities?.prompts.length ?? 0) > 0 });
    if (server === undefined) return;
    const prompts = ctx.server(server)?.capabilities?.prompts ?? [];
    prompt = (await vscode.window.showQuickPick(prompts.map((p) => inertItem({ label: p.name, detail: p.description, prompt: p })), { placeHolder: `Prompt of ${server}` }))?.prompt;
  }
  if (!prompt) return;
  const args: Record<string, string> = {};
  for (const a of promptArguments(prompt)) {
    const value = await vscode.window.showInputBox({
      title: `${server} › ${prompt.name}: ${a.name}`,
      prompt: a.description,
      placeHolder: a.required ? 'required' : 'optional; leave empty to skip',
      validateInput: (v) => (a.required && v === '' ? `${a.name} is required` : undefined),
    });
    if (value === undefined) return;
    if (value !== '') args[a.name] = value;
  }
  const name = server;
  const promptName = prompt.name;
  const result = await ctx.request(M.ServersGetPrompt, { name, prompt: promptName, arguments: args });
  const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: renderPromptResult(`${name} › ${promptName}`, result) });
  await vscode.window.showTextDocument(doc, { preview: true });
}
