import * as vscode from 'vscode';
import { SecretsList, SecretsProvide } from '../../../daemon/protocol/policy.js';
import type { Ctx } from '../../ctx.js';
import { secretNameProblem, secretValueProblem } from '../../secrets/editorSecretStore.js';
import { inert } from '../../untrustedText.js';

/**
 * "Set Secret…": the value of a secret that server specs name (`secrets: [NAME]`), typed into a
 * password box and kept in VS Code's SecretStorage (the OS keyring), never in a file. The daemon
 * gets it at once, in memory only, and it wins over a value stored with `berth secret set`.
 */
export async function setSecret(ctx: Ctx, node?: unknown): Promise<void> {
  const set = await setSecretValue(ctx, typeof node === 'string' ? node : undefined);
  if (!set) return;
  const users = set.servers.length ? ` It is used by ${set.servers.join(', ')}; restart ${set.servers.length > 1 ? 'them' : 'it'} to apply it.` : '';
  void vscode.window.showInformationMessage(inert(`Set secret ${set.name}.${users}`));
}

/**
 * Asks for a secret's value (and its name, unless given), keeps it and hands it to the daemon.
 * Undefined when the user cancelled.
 */
export async function setSecretValue(ctx: Ctx, given?: string): Promise<{ name: string; servers: string[] } | undefined> {
  const name = given ?? (await askName(ctx));
  if (!name) return undefined;
  const value = await vscode.window.showInputBox({
    title: `Berth: Set Secret ${name}`,
    prompt: `The value of ${name}. VS Code keeps it in your OS keyring; Berth's daemon holds it in memory only and injects it into the servers whose specs name it.`,
    password: true,
    ignoreFocusOut: true,
    validateInput: secretValueProblem,
  });
  if (value === undefined) return undefined;
  await ctx.secrets.set(name, value);
  const [handed] = await ctx.request(SecretsProvide, { secrets: [{ name, value }] });
  return { name, servers: handed?.servers ?? [] };
}

/** Offers the secrets specs name (those set nowhere first), or a new name. */
async function askName(ctx: Ctx): Promise<string | undefined> {
  const list = await ctx.request(SecretsList, {});
  const held = ctx.secrets.names();
  const named = list.filter((s) => s.servers.length > 0).sort((a, b) => a.sources.length - b.sources.length || a.name.localeCompare(b.name));
  const other = { label: '$(add) Another name…', name: undefined };
  const items = [
    ...named.map((s) => ({
      label: s.name,
      name: s.name,
      description: held.includes(s.name) ? 'set in VS Code' : s.sources.length ? `set (${s.sources.join(', ')})` : 'not set',
      detail: `used by ${s.servers.join(', ')}`,
    })),
    other,
  ];
  const picked = named.length ? await vscode.window.showQuickPick(items, { title: 'Berth: Set Secret', placeHolder: 'Which secret? Server specs name these under `secrets:`' }) : other;
  if (!picked) return undefined;
  if (picked.name !== undefined) return picked.name;
  return vscode.window.showInputBox({ title: 'Berth: Set Secret', prompt: 'The name a server spec gives it under `secrets:`', placeHolder: 'API_TOKEN', ignoreFocusOut: true, validateInput: secretNameProblem });
}
