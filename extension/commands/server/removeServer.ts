import * as vscode from 'vscode';
import * as M from '../../../daemon/protocol/methods.js';
import type { Ctx } from '../../ctx.js';
import { pickServers } from '../pickServers.js';
import { inert } from '../../untrustedText.js';

export async function removeServer(ctx: Ctx, node?: unknown, nodes?: unknown): Promise<void> {
  const names = await pickServers(ctx, node, nodes, { verb: 'remove', many: true });
  if (names.length === 0) return;
  const what = names.length === 1 ? `the server "${names[0]}"` : `${names.length} servers (${names.join(', ')})`;
  const files = [...new Set(names.map((n) => ctx.server(n)?.source).filter((f): f is string => f !== undefined))];
  const choice = await vscode.window.showWarningMessage(
    inert(`Remove ${what}?`),
    {
      modal: true,
      detail: inert(`The container is stopped and removed, and the entry is deleted from ${files.join(', ') || 'its spec file'}. A state volume (the data a server keeps) is kept; \`berth rm NAME --volumes\` removes it.`),
    },
    'Remove',
  );
  if (choice !== 'Remove') return;
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Removing ${names.join(', ')}` }, () =>
    Promise.all(names.map((name) => ctx.request(M.ServersRemove, { name }))),
  );
}
