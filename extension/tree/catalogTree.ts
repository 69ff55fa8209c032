// The Catalog view: every catalog's entries (built-in and added), searchable, with "Add" and "Install" inline.
import * as vscode from 'vscode';
import { CatalogSearch } from '../../daemon/protocol/catalog.js';
import { errorMessage, type Ctx } from '../ctx.js';
import { contextValue, descriptionOf, iconOf, labelOf, nodeId, tooltipOf, type BerthNode, type CatalogEntry } from './nodes.js';

export class CatalogTree implements vscode.TreeDataProvider<BerthNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  readonly view: vscode.TreeView<BerthNode>;
  private query: string | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly ctx: Ctx) {
    this.view = vscode.window.createTreeView('berth.catalog', { treeDataProvider: this });
    this.subscriptions.push(
      this.view,
      this.changed,
      ctx.onDidChangeState((s) => {
        if (s.kind === 'connected') this.changed.fire(undefined);
      }),
    );
  }

  get filter(): string | undefined {
    return this.query;
  }

  setFilter(query: string | undefined): void {
    this.query = query?.trim() || undefined;
    this.view.message = this.query ? `Entries matching "${this.query}"` : undefined;
    void vscode.commands.executeCommand('setContext', 'berth.catalogFiltered', this.query !== undefined);
    this.changed.fire(undefined);
  }

  /** Entries of every catalog; a catalog that could not be read is named in the view's message. */
  async entries(query?: string): Promise<CatalogEntry[]> {
    const { entries, problems } = await this.ctx.request(CatalogSearch, { query });
    if (problems.length) this.view.message = problems.join(' · ');
    return entries;
  }

  async getChildren(node?: BerthNode): Promise<BerthNode[]> {
    if (node) return [];
    if (this.ctx.connection.kind !== 'connected') return [];
    try {
      const entries = await this.entries(this.query);
      if (entries.length === 0 && this.query) this.view.message = `No catalog entry matches "${this.query}"`;
      return entries.map((entry) => ({ kind: 'catalog', entry }));
    } catch (e) {
      this.view.message = `The catalog could not be read: ${errorMessage(e)}`;
      return [];
    }
  }

  getTreeItem(node: BerthNode): vscode.TreeItem {
    const item = new vscode.TreeItem(labelOf(node), vscode.TreeItemCollapsibleState.None);
    item.id = nodeId(node);
    item.description = descriptionOf(node);
    item.contextValue = contextValue(node);
    item.iconPath = new vscode.ThemeIcon(iconOf(node).id);
    item.tooltip = new vscode.MarkdownString(tooltipOf(node));
    // Selecting an entry opens its details page, where Install is one click away.
    item.command = { command: 'berth.catalog.showDetails', title: 'Show Details', arguments: [node] };
    return item;
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
  }
}
