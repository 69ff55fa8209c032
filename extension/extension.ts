// Entry point. Activation only wires things up; connecting to (or starting) the daemon runs in
// the background so the window never waits for Docker.
import type * as vscode from 'vscode';
import { notifyAlerts } from './alerts/alertNotifier.js';
import { registerCommands } from './commands/registerCommands.js';
import { Ctx } from './ctx.js';
import { ServerLogs } from './logs/serverLogs.js';
import { registerMcpProvider } from './mcp/mcpProvider.js';
import { CatalogTree } from './tree/catalogTree.js';
import { ServersTree } from './tree/serversTree.js';
import { Dashboard } from './webview/dashboardPanel.js';
import { LogViewers } from './webview/logViewerPanel.js';
import { CatalogDetailsPanels } from './webview/catalogDetailsPanel.js';
import { ServerDetailsPanels } from './webview/serverDetailsPanel.js';
import { ServerForms } from './webview/serverFormPanel.js';
import { BerthTests } from './testing/testController.js';

let ctx: Ctx | undefined;

export function activate(extension: vscode.ExtensionContext): void {
  ctx = new Ctx(extension);
  const servers = new ServersTree(ctx);
  const catalog = new CatalogTree(ctx);
  const logs = new ServerLogs(ctx);
  const details = new ServerDetailsPanels(ctx);
  const catalogDetails = new CatalogDetailsPanels(ctx);
  const dashboard = new Dashboard(ctx);
  const logViewers = new LogViewers(ctx);
  const forms = new ServerForms(ctx);
  const views = { catalog, logs, details, catalogDetails, dashboard, logViewers, forms };
  ctx.push(servers, catalog, logs, details, catalogDetails, dashboard, logViewers, forms, notifyAlerts(ctx), new BerthTests(ctx), ...registerCommands(ctx, views));
  const mcp = registerMcpProvider(ctx);
  if (mcp) ctx.push(mcp);
  void ctx.start();
}

export async function deactivate(): Promise<void> {
  await ctx?.dispose();
  ctx = undefined;
}
