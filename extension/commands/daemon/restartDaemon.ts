import * as vscode from 'vscode';
import type { Ctx } from '../../ctx.js';

/** Stops the shared daemon and starts a fresh one; containers keep running and are re-adopted. */
export async function restartDaemon(ctx: Ctx): Promise<void> {
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Restarting the Berth daemon' }, () => ctx.restartDaemon());
}
