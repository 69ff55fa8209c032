import os from 'node:os';
import path from 'node:path';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { handle } from '../api/rpc.js';
import { berthPaths } from '../protocol/paths.js';
import * as C from '../protocol/clients.js';
import { daemonLauncher } from './endpoint.js';
import { list, register, status, sync, unregister, type ClientsContext } from './registrations.js';
import { applyImport, planImport, type ImportDeps } from './importer.js';

/** The daemon's own surroundings: the user's real home and platform, Berth's state dir, this Berth's launcher. */
function daemonClientsContext(servers: () => readonly string[]): ClientsContext {
  return {
    env: { home: os.homedir(), platform: process.platform, env: { APPDATA: process.env.APPDATA, XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME } },
    stateFile: path.join(berthPaths().stateDir, 'clients.json'),
    launcher: daemonLauncher(),
    servers,
  };
}

// One write at a time across every connection: two windows registering at once must not both
// read the same file and each write back a version without the other's entry.
let queue: Promise<unknown> = Promise.resolve();
function serialized<T>(fn: () => Promise<T>): Promise<T> {
  const run = queue.then(fn);
  queue = run.catch(() => undefined);
  return run;
}

export function registerClientHandlers(connection: MessageConnection, o: { servers(): readonly string[]; imports: ImportDeps }): void {
  const ctx = daemonClientsContext(() => o.servers());
  handle(connection, C.ClientsList, () => list(ctx));
  handle(connection, C.ClientsRegister, (p) => serialized(() => register(ctx, p)));
  handle(connection, C.ClientsUnregister, (p) => serialized(() => unregister(ctx, p)));
  handle(connection, C.ClientsStatus, (p) => status(ctx, p));
  handle(connection, C.ClientsSync, (p) => serialized(() => sync(ctx, p)));
  handle(connection, C.ClientsImportPlan, async () => {
    const { planned, problems } = await planImport(ctx, o.imports);
    return { candidates: planned.map((p) => p.candidate), problems };
  });
  handle(connection, C.ClientsImport, (p) => serialized(() => applyImport(ctx, o.imports, p.entries)));
}
