import * as vscode from 'vscode';
import { SecretsList } from '../../daemon/protocol/policy.js';
import { setSecretValue } from '../commands/secret/setSecret.js';
import { errorMessage, ShownError, type Ctx } from '../ctx.js';
import { missingSecrets } from './editorSecretStore.js';
import { inert } from '../untrustedText.js';

const SET_SECRET = 'Set Secret…';

/**
 * Starts (or restarts) servers from the editor in one progress notification, handing the daemon
 * the secrets their specs name first. A server that fails because a secret it names is set
 * nowhere gets an error with "Set Secret…", which asks for the value and tries that server again.
 */
export async function startWithSecrets(ctx: Ctx, title: string, names: readonly string[], each: (name: string, progressToken: string) => Promise<unknown>): Promise<void> {
  if (names.length === 0) return;
  await ctx.handOverSecrets(names);
  const results = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `${title} ${names.join(', ')}` }, (progress) =>
    Promise.allSettled(
      names.map((name) =>
        ctx.withDaemonProgress(
          (message) => progress.report({ message: inert(names.length > 1 ? `${name}: ${message}` : message) }),
          (progressToken) => each(name, progressToken),
        ),
      ),
    ),
  );
  const failed = names.flatMap((name, i) => {
    const r = results[i];
    return r?.status === 'rejected' ? [{ name, error: errorMessage(r.reason) }] : [];
  });
  if (failed.length === 0) return;
  const list = await ctx.request(SecretsList, {});
  const unshown: string[] = [];
  const shown: string[] = [];
  for (const f of failed) {
    const [missing] = missingSecrets(list, f.name);
    if (missing === undefined) {
      unshown.push(f.error);
      continue;
    }
    const choice = await vscode.window.showErrorMessage(inert(`Berth: ${f.error}`), SET_SECRET);
    if (choice === SET_SECRET && (await setSecretValue(ctx, missing))) await startWithSecrets(ctx, title, [f.name], each);
    else shown.push(f.error);
  }
  if (unshown.length) throw new Error(unshown.join('; '));
  if (shown.length) throw new ShownError(shown.join('; '));
}
