import type { MessageConnection } from 'vscode-jsonrpc/node';
import { handle } from '../api/rpc.js';
import { UpdatesApply, UpdatesCheck, UpdatesRollback, UpdatesScan } from '../protocol/updates.js';
import type { Registry } from '../servers/registry.js';
import { scanServer } from './scan.js';
import type { Updates } from './updates.js';

export function registerUpdateHandlers(connection: MessageConnection, o: { updates: Updates; registry: Registry; progress(token: string | undefined): (line: string) => void }): void {
  const { updates, registry } = o;
  handle(connection, UpdatesCheck, (p) => updates.check(p.names, p.tools ?? false, o.progress(p.progressToken)));
  handle(connection, UpdatesApply, (p) => updates.apply(p.all ? undefined : p.names, p.yes ?? false, p.tests ?? [], o.progress(p.progressToken)));
  handle(connection, UpdatesRollback, (p) => updates.rollback(p.name, p.to, o.progress(p.progressToken)));
  handle(connection, UpdatesScan, async (p) => {
    await registry.sync();
    const sup = registry.get(p.name);
    return scanServer(registry.runtimeFor(sup.spec.host), sup);
  });
}
