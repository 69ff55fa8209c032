import * as vscode from 'vscode';
import * as M from '../../../daemon/protocol/methods.js';
import type { Ctx } from '../../ctx.js';
import { isRunning } from '../../tree/nodes.js';
import { pickServers } from '../pickServers.js';

export async function startServer(ctx: Ctx, node?: unknown, nodes?: unknown): Promise<void> {
  const names = await pickServers(ctx, node, nodes, { verb: 'start', want: (s) => !isRunning(s), many: true });
  await startServers(ctx, names.filter((n) => !isRunning(ctx.server(n) ?? { phase: 'stopped' })));
}

/** Starts servers with a progress notification fed by the daemon (image builds can take a while). */
export async function startServers(ctx: Ctx, names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Starting ${names.join(', ')}` }, (progress) =>
    Promise.all(
      names.map((name) =>
        ctx.withDaemonProgress(
          (message) => progress.report({ message: names.length > 1 ? `${name}: ${message}` : message }),
          (progressToken) => ctx.request(M.ServersStart, { name, progressToken }),
        ),
      ),
    ),
  );
}
