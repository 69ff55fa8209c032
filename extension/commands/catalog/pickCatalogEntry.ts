import * as vscode from 'vscode';
import type { CatalogTree } from '../../tree/catalogTree.js';
import type { CatalogEntry } from '../../tree/nodes.js';
import { inertItem } from '../../untrustedText.js';

/** An entry of any catalog, picked from the palette; undefined when cancelled. */
export async function pickCatalogEntry(catalog: CatalogTree, o: { runnableOnly: boolean; placeHolder: string }): Promise<CatalogEntry | undefined> {
  const entries = (await catalog.entries()).filter((e) => !o.runnableOnly || !e.unrunnable);
  const picked = await vscode.window.showQuickPick(
    entries.map((e) => inertItem({ label: e.id, detail: e.unrunnable ? `cannot run: ${e.unrunnable}` : e.description, description: `${e.source} · ${e.catalog}`, entry: e })),
    { placeHolder: o.placeHolder, matchOnDetail: true },
  );
  return picked?.entry;
}
