import * as vscode from 'vscode';
import type { CatalogTree } from '../../tree/catalogTree.js';

export async function searchCatalog(catalog: CatalogTree): Promise<void> {
  const query = await vscode.window.showInputBox({ title: 'Search the Berth catalog', prompt: 'Words in the entry name or description', value: catalog.filter ?? '' });
  if (query === undefined) return;
  catalog.setFilter(query);
  await vscode.commands.executeCommand('berth.catalog.focus');
}

export function clearCatalogSearch(catalog: CatalogTree): void {
  catalog.setFilter(undefined);
}
