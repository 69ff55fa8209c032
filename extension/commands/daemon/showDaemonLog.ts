import * as vscode from 'vscode';
import type { Ctx } from '../../ctx.js';

/** The daemon's own log file (its stderr), for when the daemon itself is the problem. */
export async function showDaemonLog(ctx: Ctx): Promise<void> {
  try {
    await vscode.window.showTextDocument(vscode.Uri.file(ctx.paths.daemonLog), { preview: true });
  } catch {
    ctx.output.show();
  }
}
