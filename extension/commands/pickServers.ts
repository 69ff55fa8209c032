// Finds a command's target servers: from the clicked row or selection, else by asking.
import * as vscode from 'vscode';
import type { ServerStatus } from '../../daemon/protocol/status.js';
import type { Ctx } from '../ctx.js';
import { eligible, serverNamesFromArgs } from './targets.js';
import { inert, inertItem } from '../untrustedText.js';

export interface PickOptions {
  /** e.g. "start": used in the prompt and in "nothing to start". */
  verb: string;
  /** Which servers the palette offers. */
  want?: (s: ServerStatus) => boolean;
  /** Allow choosing several in the palette. */
  many?: boolean;
}

/** The servers to act on; empty when the user cancelled or nothing qualifies (already said). */
export async function pickServers(ctx: Ctx, node: unknown, nodes: unknown, o: PickOptions): Promise<string[]> {
  const fromArgs = serverNamesFromArgs(node, nodes);
  if (fromArgs) return fromArgs;
  await ctx.whenConnected();
  const candidates = eligible(ctx.serverList, o.want ?? (() => true));
  if (candidates.length === 0) {
    void vscode.window.showInformationMessage(inert(ctx.serverList.length === 0 ? 'Berth has no servers yet. Add one from the Catalog view.' : `No Berth server to ${o.verb}.`));
    return [];
  }
  const items = candidates.map((s) => inertItem({ label: s.name, description: s.phase, detail: s.description ?? s.image, name: s.name }));
  const placeHolder = `Server to ${o.verb}`;
  // A list of one is a plain pick: checkboxes plus OK would be a needless extra click.
  if (o.many && items.length > 1) {
    const picked = await vscode.window.showQuickPick(items, { placeHolder: `${placeHolder} (choose one or more)`, canPickMany: true });
    return picked?.map((p) => p.name) ?? [];
  }
  const picked = await vscode.window.showQuickPick(items, { placeHolder });
  return picked ? [picked.name] : [];
}
