import * as vscode from 'vscode';
import * as M from '../../../daemon/protocol/methods.js';
import type { Ctx } from '../../ctx.js';
import { isRunning } from '../../tree/nodes.js';
import { pickServers } from '../pickServers.js';

export async function stopServer(ctx: Ctx, node?: unknown, nodes?: unknown): Promise<void> {
  const names = await pickServers(ctx, node, nodes, { verb: 'stop', want: isRunning, many: true });
  if (names.length === 0) return;
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Stopping ${names.join(', ')}` }, () =>
    Promise.all(names.map((name) => ctx.request(M.ServersStop, { name }))),
  );
}
