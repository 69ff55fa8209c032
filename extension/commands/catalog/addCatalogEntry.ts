import * as vscode from 'vscode';
import type { z } from 'zod';
import { HostsList, LOCAL_HOST } from '../../../daemon/protocol/hosts.js';
import * as M from '../../../daemon/protocol/methods.js';
import type { Ctx } from '../../ctx.js';
import type { CatalogEntryInfo } from '../../../daemon/protocol/status.js';
import { isBerthNode } from '../../tree/nodes.js';
import { freeName, nameProblem } from '../targets.js';
import { inert, inertItem } from '../../untrustedText.js';

type BuiltInEntry = z.infer<typeof CatalogEntryInfo>;

/** Adds a server from a built-in catalog entry (the clicked one, or one the user picks) and starts it. */
export async function addCatalogEntry(ctx: Ctx, node?: unknown): Promise<void> {
  const builtIn = await ctx.request(M.CatalogList, {});
  const clicked = isBerthNode(node) && node.kind === 'catalog' ? node.entry.id : undefined;
  const entry = clicked === undefined ? await pickEntry(builtIn) : builtIn.find((e) => e.id === clicked);
  if (!entry) return;
  const taken = ctx.serverList.map((s) => s.name);
  const name = await vscode.window.showInputBox({
    title: `Add ${entry.id} from the catalog`,
    prompt: 'Name of the new server (also its name in every MCP client)',
    value: freeName(entry.id, taken),
    validateInput: (v) => nameProblem(v, taken),
  });
  if (name === undefined) return;
  let volumes: { source: string; target: string; readOnly: boolean }[] | undefined;
  if (entry.requires) {
    const folder = await vscode.window.showOpenDialog({
      title: `${entry.id} serves one folder (mounted read-only at ${entry.requires.volumeTarget})`,
      canSelectFolders: true,
      canSelectFiles: false,
      openLabel: 'Serve this folder',
      defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    });
    const source = folder?.[0]?.fsPath;
    if (!source) return;
    volumes = [{ source, target: entry.requires.volumeTarget, readOnly: true }];
  }
  await addAndStart(ctx, { name, catalog: entry.id, volumes });
}

async function pickEntry(entries: BuiltInEntry[]): Promise<BuiltInEntry | undefined> {
  const picked = await vscode.window.showQuickPick(
    entries.map((e) => inertItem({ label: e.id, detail: e.description, description: e.npm, entry: e })),
    { placeHolder: 'Catalog entry to add', matchOnDetail: true },
  );
  return picked?.entry;
}

/** `servers/add` with `start`, with progress. */
export async function addAndStart(ctx: Ctx, params: { name: string; catalog?: string; image?: string; args?: string[]; volumes?: { source: string; target: string; readOnly: boolean }[] }): Promise<void> {
  const host = await pickHost(ctx);
  if (host === undefined) return;
  const status = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Adding ${params.name}` }, (progress) =>
    ctx.withDaemonProgress(
      (message) => progress.report({ message: inert(message) }),
      (progressToken) => ctx.request(M.ServersAdd, { ...params, host, start: true, progressToken }),
    ),
  );
  void vscode.window.showInformationMessage(inert(`Added ${status.name} (${status.phase}). VS Code's agents can use it now.`));
}

/** The host to run a new server on: asked only when there are SSH hosts; undefined when cancelled. */
export async function pickHost(ctx: Ctx): Promise<string | undefined> {
  const hosts = await ctx.request(HostsList, {});
  if (hosts.length <= 1) return LOCAL_HOST;
  const picked = await vscode.window.showQuickPick(
    hosts.map((h) => inertItem({ label: h.name, description: h.url, detail: h.error ?? `${h.state}${h.engineVersion ? `, Docker ${h.engineVersion}` : ''}`, name: h.name })),
    { placeHolder: 'Run it on which host?' },
  );
  return picked?.name;
}
