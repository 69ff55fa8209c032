import type { MessageConnection } from 'vscode-jsonrpc/node';
import { ServersGetSpec, ServersPut } from '../protocol/specEdit.js';
import type { Registry } from '../servers/registry.js';
import { readServerEntry } from '../servers/specFiles.js';
import { handle } from './rpc.js';

/** The server form's reads and writes of spec entries; writes go through the registry, as `servers/add` does. */
export function registerSpecHandlers(connection: MessageConnection, deps: { registry: Registry; userSpecFile: string }): void {
  handle(connection, ServersGetSpec, async (p) => {
    await deps.registry.sync();
    const source = deps.registry.get(p.name).spec.source;
    return { spec: (await readServerEntry(source, p.name)) ?? {}, source, editable: source === deps.userSpecFile };
  });
  handle(connection, ServersPut, async (p) => {
    await deps.registry.sync();
    const sup = await deps.registry.add(p.name, p.spec, { replace: p.replace });
    return sup.status();
  });
}
