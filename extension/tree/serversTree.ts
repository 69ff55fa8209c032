// The Servers view: Hosts → Servers → Tools / Prompts / Resources, refreshed by the daemon's
// `servers/didChange` pushes. While the view is hidden a change only marks it stale, so a
// hidden view costs nothing; it catches up when shown.
import * as vscode from 'vscode';
import type { Ctx } from '../ctx.js';
import { alertTooltipLines, withAlertMark } from '../alerts/alertText.js';
import { childrenOf, contextValue, descriptionOf, groupByHost, iconOf, labelOf, mdEscape, nodeId, tooltipOf, type BerthNode } from './nodes.js';

export class ServersTree implements vscode.TreeDataProvider<BerthNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<BerthNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  readonly view: vscode.TreeView<BerthNode>;
  private stale = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly ctx: Ctx) {
    this.view = vscode.window.createTreeView('berth.servers', { treeDataProvider: this, canSelectMany: true, showCollapseAll: true });
    this.subscriptions.push(
      this.view,
      this.changed,
      ctx.onDidChangeServers(() => this.invalidate()),
      ctx.onDidChangeState(() => this.invalidate()),
      ctx.onDidChangeAlerts(() => this.invalidate()),
      this.view.onDidChangeVisibility((e) => {
        if (e.visible && this.stale) this.invalidate();
      }),
    );
  }

  /** Debounced: stats ticks and a burst of phase changes become one repaint. */
  invalidate(): void {
    if (!this.view.visible) {
      this.stale = true;
      return;
    }
    this.stale = false;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.updateMessage();
      this.changed.fire(undefined);
    }, 150);
  }

  private updateMessage(): void {
    const state = this.ctx.connection;
    if (state.kind === 'failed') this.view.message = `Berth could not connect to its daemon: ${state.error}`;
    else if (state.kind === 'connected' && !state.engine.ok) this.view.message = `Docker is not reachable: ${state.engine.error ?? 'unknown error'}`;
    else if (state.kind === 'connected' && state.specErrors.length > 0) this.view.message = `Spec file problem: ${state.specErrors[0]}`;
    else this.view.message = undefined;
  }

  getChildren(node?: BerthNode): BerthNode[] {
    return node ? childrenOf(node) : groupByHost(this.ctx.serverList);
  }

  getTreeItem(node: BerthNode): vscode.TreeItem {
    const expandable = childrenOf(node).length > 0;
    const state = !expandable
      ? vscode.TreeItemCollapsibleState.None
      : node.kind === 'host'
        ? vscode.TreeItemCollapsibleState.Expanded
        : vscode.TreeItemCollapsibleState.Collapsed;
    const item = new vscode.TreeItem(labelOf(node), state);
    item.id = nodeId(node);
    // A server with open alerts is marked: counted first in its description, listed in its tooltip.
    const alerts = node.kind === 'server' ? this.ctx.openAlerts(node.server.name) : [];
    item.description = withAlertMark(descriptionOf(node), alerts);
    item.contextValue = contextValue(node);
    const icon = iconOf(node);
    item.iconPath = new vscode.ThemeIcon(icon.id, icon.color ? new vscode.ThemeColor(icon.color) : undefined);
    item.tooltip = new vscode.MarkdownString([tooltipOf(node), ...alertTooltipLines(alerts, mdEscape)].join('\n'), true);
    if (node.kind === 'resource') item.command = { command: 'berth.resource.read', title: 'Read Resource', arguments: [node] };
    return item;
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of this.subscriptions) d.dispose();
  }
}
