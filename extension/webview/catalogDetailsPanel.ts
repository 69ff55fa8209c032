// The Catalog Entry Details panels: one webview per entry, showing what `catalog/info` says of
// it (a registry is asked for its versions then), with an Install button that runs the
// extension's own install command. A second "show" reveals the open panel.
import * as vscode from 'vscode';
import { CatalogInfo } from '../../daemon/protocol/catalog.js';
import { errorMessage, type Ctx } from '../ctx.js';
import type { BerthNode, CatalogEntry } from '../tree/nodes.js';
import { FromCatalogDetails, type ToCatalogDetails } from './catalogDetailsMessages.js';
import { catalogEntryView } from './catalogEntryView.js';
import { BerthPanel } from './panel.js';

export class CatalogDetailsPanels implements vscode.Disposable {
  private readonly panels = new Map<string, CatalogDetailsPanel>();

  constructor(private readonly ctx: Ctx) {}

  /** Entries are found by id, as `catalog/info` and `servers/install` find them. */
  show(entry: CatalogEntry): void {
    const open = this.panels.get(entry.id);
    if (open) {
      open.reveal();
      return;
    }
    this.panels.set(entry.id, new CatalogDetailsPanel(this.ctx, entry, () => this.panels.delete(entry.id)));
  }

  dispose(): void {
    for (const p of [...this.panels.values()]) p.dispose();
  }
}

class CatalogDetailsPanel extends BerthPanel<FromCatalogDetails, ToCatalogDetails> {
  /** The entry as last read: what Install acts on. */
  private entry: CatalogEntry;

  constructor(ctx: Ctx, entry: CatalogEntry, onClosed: () => void) {
    // Hidden panels are torn down; the script asks for the entry again when it is shown.
    super(ctx, { viewType: 'berth.catalogDetails', title: `Catalog: ${entry.id}`, entry: 'catalogDetails', retainContextWhenHidden: false, schema: FromCatalogDetails, what: `catalog entry ${entry.id}` }, onClosed);
    this.entry = entry;
    this.listen(
      ctx.onDidChangeState((s) => {
        if (s.kind === 'connected') void this.update();
      }),
    );
  }

  protected receive(message: FromCatalogDetails): void {
    if (message.type === 'ready') void this.update();
    else {
      const node: BerthNode = { kind: 'catalog', entry: this.entry };
      void vscode.commands.executeCommand('berth.catalog.install', node);
    }
  }

  /** Asks the daemon for the entry; a hidden panel has no script to receive it and asks again when shown. */
  private async update(): Promise<void> {
    if (!this.panel.visible) return;
    const connected = this.ctx.connection.kind === 'connected';
    let message: ToCatalogDetails;
    try {
      this.entry = await this.ctx.request(CatalogInfo, { entry: this.entry.id });
      message = { type: 'update', connected, entry: catalogEntryView(this.entry) };
    } catch (e) {
      message = { type: 'error', connected, id: this.entry.id, message: errorMessage(e) };
    }
    this.post(message);
  }
}
