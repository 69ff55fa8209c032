import { BUILT_IN_CATALOG, type CatalogItem } from '../protocol/catalog.js';
import { CATALOG, type CatalogEntry } from '../servers/catalog.js';

/** The built-in catalog's entries as every other catalog's: an install names the entry (`catalog: ID`), so it follows Berth's updates of it. */
export function builtInItem(e: CatalogEntry): CatalogItem {
  return {
    id: e.id,
    catalog: BUILT_IN_CATALOG,
    description: e.description,
    version: e.spec.build.version,
    versions: [e.spec.build.version],
    source: `npm ${e.spec.build.npm}@${e.spec.build.version}`,
    serverName: e.id,
    spec: { catalog: e.id },
    inputs: [],
    secrets: [],
    mounts: e.requires ? [`${e.requires.volumeTarget}: ${e.requires.hint}`] : [],
    network: 'none',
  };
}

export function builtInItems(): CatalogItem[] {
  return CATALOG.map(builtInItem);
}
