// Alerts reach the user: a notification per alert that fires, with what to do about it.
import * as vscode from 'vscode';
import type { Alert } from '../../daemon/protocol/alerts.js';
import type { Ctx } from '../ctx.js';
import { ALERT_ACTION_COMMANDS, ALERT_ACTIONS, alertNotificationText } from './alertText.js';
import { inert } from '../untrustedText.js';

export function notifyAlerts(ctx: Ctx): vscode.Disposable {
  return ctx.onDidFireAlerts((alerts) => {
    for (const alert of alerts) void announce(ctx, alert);
  });
}

async function announce(ctx: Ctx, alert: Alert): Promise<void> {
  ctx.output.warn(`alert: ${alert.server}: ${alert.rule}: ${alert.message}`);
  const choice = await vscode.window.showWarningMessage(inert(alertNotificationText(alert)), ...ALERT_ACTIONS);
  if (choice) await vscode.commands.executeCommand(ALERT_ACTION_COMMANDS[choice], alert.server);
}
