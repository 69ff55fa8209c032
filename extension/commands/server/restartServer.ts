import * as vscode from 'vscode';
import * as M from '../../../daemon/protocol/methods.js';
import type { Ctx } from '../../ctx.js';
import { pickServers } from '../pickServers.js';

export async function restartServer(ctx: Ctx, node?: unknown, nodes?: unknown): Promise<void> {
  const names = await pickServers(ctx, node, nodes, { verb: 'restart', many: true });
  if (names.length === 0) return;
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Restarting ${names.join(', ')}` }, (progress) =>
    Promise.all(
      names.map((name) =>
        ctx.withDaemonProgress(
          (message) => progress.report({ message }),
          (progressToken) => ctx.request(M.ServersRestart, { name, progressToken }),
        ),
      ),
    ),
  );
}
