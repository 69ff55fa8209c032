// Every command in one table: id → handler. Handlers take `(node?, nodes?)` as VS Code passes
// them from menus and multi-selections, and ask for a target when run from the palette.
import * as vscode from 'vscode';
import { errorMessage, ShownError, type Ctx } from '../ctx.js';
import type { ServerLogs } from '../logs/serverLogs.js';
import type { CatalogTree } from '../tree/catalogTree.js';
import type { Dashboard } from '../webview/dashboardPanel.js';
import type { LogViewers } from '../webview/logViewerPanel.js';
import type { ServerForms } from '../webview/serverFormPanel.js';
import type { CatalogDetailsPanels } from '../webview/catalogDetailsPanel.js';
import type { ServerDetailsPanels } from '../webview/serverDetailsPanel.js';
import { addCatalogEntry } from './catalog/addCatalogEntry.js';
import { installCatalogEntry } from './catalog/installCatalogEntry.js';
import { showCatalogDetails } from './catalog/showCatalogDetails.js';
import { importServers } from './client/importServers.js';
import { connectClient } from './client/connectClient.js';
import { openDashboard } from './dashboard/openDashboard.js';
import { addHost } from './host/addHost.js';
import { removeHost } from './host/removeHost.js';
import { clearCatalogSearch, searchCatalog } from './catalog/searchCatalog.js';
import { restartDaemon } from './daemon/restartDaemon.js';
import { deleteSecret } from './secret/deleteSecret.js';
import { setSecret } from './secret/setSecret.js';
import { showDaemonLog } from './daemon/showDaemonLog.js';
import { addServerImage } from './server/addServerImage.js';
import { copyServerConnection } from './server/copyServerConnection.js';
import { editServer } from './server/editServer.js';
import { newServer } from './server/newServer.js';
import { openLogViewer } from './server/openLogViewer.js';
import { openServerSpec } from './server/openServerSpec.js';
import { refreshServers } from './server/refreshServers.js';
import { removeServer } from './server/removeServer.js';
import { restartServer } from './server/restartServer.js';
import { updateServer } from './server/updateServer.js';
import { showServerDetails } from './server/showServerDetails.js';
import { showServerLogs } from './server/showServerLogs.js';
import { startServer } from './server/startServer.js';
import { stopServer } from './server/stopServer.js';
import { callTool } from './tool/callTool.js';
import { reviewToolChanges } from './tool/reviewToolChanges.js';
import { getPrompt } from './prompt/getPrompt.js';
import { readResource } from './resource/readResource.js';
import { approveWorkspaceServer } from './workspace/approveWorkspaceServer.js';
import { inert } from '../untrustedText.js';

type Handler = (node?: unknown, nodes?: unknown) => Promise<void> | void;

export function registerCommands(ctx: Ctx, views: { catalog: CatalogTree; logs: ServerLogs; details: ServerDetailsPanels; catalogDetails: CatalogDetailsPanels; dashboard: Dashboard; logViewers: LogViewers; forms: ServerForms }): vscode.Disposable[] {
  const commands: Record<string, Handler> = {
    'berth.catalog.add': (node) => addCatalogEntry(ctx, node),
    'berth.catalog.install': (node) => installCatalogEntry(ctx, views.catalog, node),
    'berth.catalog.search': () => searchCatalog(views.catalog),
    'berth.catalog.clearSearch': () => clearCatalogSearch(views.catalog),
    'berth.catalog.showDetails': (node) => showCatalogDetails(views.catalog, views.catalogDetails, node),
    'berth.client.import': () => importServers(ctx),
    'berth.server.addImage': () => addServerImage(ctx),
    'berth.server.new': () => newServer(views.forms),
    'berth.server.edit': (node, nodes) => editServer(ctx, views.forms, node, nodes),
    'berth.server.start': (node, nodes) => startServer(ctx, node, nodes),
    'berth.workspace.approveServer': (node, nodes) => approveWorkspaceServer(ctx, node, nodes),
    'berth.server.stop': (node, nodes) => stopServer(ctx, node, nodes),
    'berth.server.restart': (node, nodes) => restartServer(ctx, node, nodes),
    'berth.server.update': (node, nodes) => updateServer(ctx, node, nodes),
    'berth.server.remove': (node, nodes) => removeServer(ctx, node, nodes),
    'berth.server.showLogs': (node, nodes) => showServerLogs(ctx, views.logs, node, nodes),
    'berth.server.showDetails': (node, nodes) => showServerDetails(ctx, views.details, node, nodes),
    'berth.server.openLogViewer': (node, nodes) => openLogViewer(ctx, views.logViewers, node, nodes),
    'berth.dashboard.open': (node, nodes) => openDashboard(views.dashboard, node, nodes),
    'berth.server.openSpec': (node, nodes) => openServerSpec(ctx, node, nodes),
    'berth.server.copyConnection': (node, nodes) => copyServerConnection(ctx, node, nodes),
    'berth.client.connect': (node, nodes) => connectClient(ctx, node, nodes),
    'berth.host.add': () => addHost(ctx),
    'berth.host.remove': (node) => removeHost(ctx, node),
    'berth.servers.refresh': () => refreshServers(ctx),
    'berth.tool.call': (node, nodes) => callTool(ctx, node, nodes),
    'berth.tool.reviewChanges': (node, nodes) => reviewToolChanges(ctx, node, nodes),
    'berth.prompt.get': (node, nodes) => getPrompt(ctx, node, nodes),
    'berth.resource.read': (node, nodes) => readResource(ctx, node, nodes),
    'berth.secret.set': (node) => setSecret(ctx, node),
    'berth.secret.delete': (node) => deleteSecret(ctx, node),
    'berth.daemon.restart': () => restartDaemon(ctx),
    'berth.daemon.showLog': () => showDaemonLog(ctx),
    'berth.output.show': () => ctx.output.show(),
  };
  return Object.entries(commands).map(([id, handler]) =>
    vscode.commands.registerCommand(id, async (node?: unknown, nodes?: unknown) => {
      try {
        await handler(node, nodes);
      } catch (e) {
        const message = errorMessage(e);
        ctx.output.error(`${id}: ${message}`);
        if (e instanceof ShownError) return;
        const choice = await vscode.window.showErrorMessage(inert(`Berth: ${message}`), 'Show Output');
        if (choice === 'Show Output') ctx.output.show();
      }
    }),
  );
}
