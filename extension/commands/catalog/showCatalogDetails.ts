import type { CatalogDetailsPanels } from '../../webview/catalogDetailsPanel.js';
import type { CatalogTree } from '../../tree/catalogTree.js';
import { isBerthNode } from '../../tree/nodes.js';
import { pickCatalogEntry } from './pickCatalogEntry.js';

/** Opens (or reveals) the details page of the clicked catalog entry, or of one the user picks. */
export async function showCatalogDetails(catalog: CatalogTree, details: CatalogDetailsPanels, node?: unknown): Promise<void> {
  const entry = isBerthNode(node) && node.kind === 'catalog' ? node.entry : await pickCatalogEntry(catalog, { runnableOnly: false, placeHolder: 'Catalog entry to show' });
  if (entry) details.show(entry);
}
