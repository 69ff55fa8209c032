import * as vscode from 'vscode';
import { SecretsForget, SecretsList } from '../../../daemon/protocol/policy.js';
import type { Ctx } from '../../ctx.js';
import { inert } from '../../untrustedText.js';

/**
 * "Delete Secret…": removes a secret VS Code keeps for Berth (from SecretStorage and the name
 * index) and has the daemon forget the value it was handed. A value stored with `berth secret
 * set` stays, and is what servers get from then on.
 */
export async function deleteSecret(ctx: Ctx, node?: unknown): Promise<void> {
  const held = ctx.secrets.names();
  if (held.length === 0) {
    void vscode.window.showInformationMessage('VS Code keeps no Berth secrets. Set one with "Berth: Set Secret…".');
    return;
  }
  const name = typeof node === 'string' ? node : await vscode.window.showQuickPick(held, { title: 'Berth: Delete Secret', placeHolder: 'Which secret should VS Code forget?' });
  if (!name) return;
  if (!held.includes(name)) throw new Error(`VS Code keeps no Berth secret named ${name}`);
  const entry = (await ctx.request(SecretsList, {})).find((s) => s.name === name);
  const users = entry?.servers ?? [];
  const fallback = entry?.sources.includes('stored') ? 'the value stored with `berth secret set` from then on' : 'no value, and will not start until it is set again';
  const remove = 'Delete';
  const choice = await vscode.window.showWarningMessage(
    inert(`Delete secret ${name}?`),
    { modal: true, detail: users.length ? inert(`${users.join(', ')} name${users.length > 1 ? '' : 's'} it and will get ${fallback}. Running containers keep the value they were made with until restarted.`) : undefined },
    remove,
  );
  if (choice !== remove) return;
  await ctx.secrets.delete(name);
  await ctx.request(SecretsForget, { names: [name] });
  void vscode.window.showInformationMessage(inert(`Deleted secret ${name}.`));
}
