import * as vscode from 'vscode';
import { ServersInstall } from '../../../daemon/protocol/catalog.js';
import { SecretsList } from '../../../daemon/protocol/policy.js';
import type { Ctx } from '../../ctx.js';
import type { CatalogTree } from '../../tree/catalogTree.js';
import { isBerthNode } from '../../tree/nodes.js';
import { setSecretValue } from '../secret/setSecret.js';
import { startServers } from '../server/startServer.js';
import { freeName, nameProblem } from '../targets.js';
import { pickHost } from './addCatalogEntry.js';
import { pickCatalogEntry } from './pickCatalogEntry.js';
import { inert } from '../../untrustedText.js';

/**
 * Installs an entry of any catalog the way `berth install` does: built, tested in a throwaway
 * hardened container, checked, then added. Asks for the name, the required inputs and the secrets
 * set nowhere first; a failed step is shown with its reason, and nothing was added.
 */
export async function installCatalogEntry(ctx: Ctx, catalog: CatalogTree, node?: unknown): Promise<void> {
  const entry = isBerthNode(node) && node.kind === 'catalog' ? node.entry : await pickCatalogEntry(catalog, { runnableOnly: true, placeHolder: 'Catalog entry to install (built and tested first)' });
  if (!entry) return;
  if (entry.unrunnable) {
    void vscode.window.showWarningMessage(inert(`Berth cannot run ${entry.id}: ${entry.unrunnable}.`));
    return;
  }
  const taken = ctx.serverList.map((s) => s.name);
  const name = await vscode.window.showInputBox({
    title: `Install ${entry.id}`,
    prompt: 'Name of the new server (also its name in every MCP client)',
    value: freeName(entry.serverName, taken),
    validateInput: (v) => nameProblem(v, taken),
  });
  if (name === undefined) return;
  const env: Record<string, string> = {};
  for (const input of entry.inputs.filter((i) => i.kind === 'env' && i.required)) {
    const value = await vscode.window.showInputBox({ title: inert(`Install ${entry.id}: ${input.name}`), prompt: inert(input.description ?? `The value of ${input.name}`), ignoreFocusOut: true });
    if (value === undefined) return;
    env[input.name] = value;
  }
  const known = await ctx.request(SecretsList, {});
  for (const secret of entry.secrets.filter((s) => !known.some((k) => k.name === s && k.sources.length))) {
    if (!(await setSecretValue(ctx, secret))) return;
  }
  const host = await pickHost(ctx);
  if (host === undefined) return;
  const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: inert(`Installing ${entry.id}`) }, (progress) =>
    ctx.withDaemonProgress(
      (message) => progress.report({ message: inert(message) }),
      (progressToken) => ctx.request(ServersInstall, { entry: entry.id, version: entry.version, name, host, env, progressToken }),
    ),
  );
  const failed = result.steps.find((s) => !s.ok);
  if (failed) {
    void vscode.window.showErrorMessage(inert(`Installing ${entry.id} stopped at ${failed.step}: ${failed.text}. Nothing was added.`));
    return;
  }
  const connection = result.steps.find((s) => s.step === 'connection');
  const start = await vscode.window.showInformationMessage(inert(`Installed ${name} (tested: ${connection?.text ?? 'connected'}).`), 'Start');
  if (start) await startServers(ctx, [name]);
}
