import * as vscode from 'vscode';
import { UpdatesApply, type UpdateResult } from '../../../daemon/protocol/updates.js';
import type { Ctx } from '../../ctx.js';
import { pickServers } from '../pickServers.js';
import { inert } from '../../untrustedText.js';

/**
 * Updates servers as `berth update` does: built beside the running one, tested in a throwaway
 * container, swapped, watched, rolled back by the daemon itself on failure. A version that adds
 * tools pinning would hold back is swapped only after the user says yes to those tools.
 */
export async function updateServer(ctx: Ctx, node?: unknown, nodes?: unknown): Promise<void> {
  const names = await pickServers(ctx, node, nodes, { verb: 'update', many: true, want: (s) => s.update !== undefined });
  for (const name of names) {
    let result = await apply(ctx, name, false);
    if (result.outcome === 'confirm') {
      const tools = (result.tools?.added ?? []).join(', ');
      const yes = await vscode.window.showWarningMessage(inert(`${name} ${result.to} adds tools that pinning would hold back: ${tools}. Update and approve them?`), { modal: true }, 'Update and Approve');
      if (!yes) continue;
      result = await apply(ctx, name, true);
    }
    if (result.outcome === 'updated' || result.outcome === 'current') void vscode.window.showInformationMessage(inert(`Berth: ${result.message}.`));
    else void vscode.window.showErrorMessage(inert(`Berth: ${result.message}.`), 'Show Logs').then((pick) => pick && vscode.commands.executeCommand('berth.server.showLogs', name));
  }
}

async function apply(ctx: Ctx, name: string, yes: boolean): Promise<UpdateResult> {
  const [result] = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Updating ${name}` }, (progress) =>
    ctx.withDaemonProgress(
      (message) => progress.report({ message: inert(message) }),
      (progressToken) => ctx.request(UpdatesApply, { names: [name], yes, progressToken }),
    ),
  );
  return result ?? { name, outcome: 'failed', message: `the daemon gave no answer for ${name}` };
}
