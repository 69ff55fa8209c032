import type { MessageConnection } from 'vscode-jsonrpc/node';
import { handle } from '../api/rpc.js';
import * as C from '../protocol/catalog.js';
import type { Registry } from '../servers/registry.js';
import type { Catalogs } from './catalogs.js';
import { install } from './install.js';

export function registerCatalogHandlers(
  connection: MessageConnection,
  o: { catalogs: Catalogs; registry: Registry; progress(token: string | undefined): (line: string) => void },
): void {
  const { catalogs, registry } = o;
  handle(connection, C.CatalogSources, () => catalogs.sources());
  handle(connection, C.CatalogAddSource, (p) => catalogs.addSource(p.location, p.name));
  handle(connection, C.CatalogRemoveSource, async (p) => {
    await catalogs.removeSource(p.name);
    return { removed: p.name };
  });
  handle(connection, C.CatalogSearch, (p) => catalogs.search(p.query));
  handle(connection, C.CatalogInfo, (p) => catalogs.find(p.entry, p.version));
  handle(connection, C.ServersInstall, async (p) => {
    await registry.sync();
    return install({ catalogs, registry }, p, o.progress(p.progressToken));
  });
}
