// The Server Details panels: one webview per server, live on the daemon's `servers/didChange`
// pushes (through Ctx, as the tree gets them). A second "show" reveals the open panel. The
// webview may load only dist/media, and each message it sends is parsed before it is acted on.
import * as vscode from 'vscode';
import type { Ctx } from '../ctx.js';
import { BerthPanel } from './panel.js';
import { FromWebview, type PanelAction, type ToWebview } from './messages.js';
import { serverView } from './serverView.js';

const COMMANDS: Record<PanelAction, string> = {
  start: 'berth.server.start',
  stop: 'berth.server.stop',
  restart: 'berth.server.restart',
  showLogs: 'berth.server.showLogs',
  openSpec: 'berth.server.openSpec',
};

export class ServerDetailsPanels implements vscode.Disposable {
  private readonly panels = new Map<string, DetailsPanel>();

  constructor(private readonly ctx: Ctx) {}

  show(name: string): void {
    const open = this.panels.get(name);
    if (open) {
      open.reveal();
      return;
    }
    this.panels.set(name, new DetailsPanel(this.ctx, name, () => this.panels.delete(name)));
  }

  dispose(): void {
    for (const p of [...this.panels.values()]) p.dispose();
  }
}

class DetailsPanel extends BerthPanel<FromWebview, ToWebview> {
  constructor(
    ctx: Ctx,
    private readonly name: string,
    onClosed: () => void,
  ) {
    // Hidden panels are torn down; the script asks for the state again when it is shown.
    super(ctx, { viewType: 'berth.serverDetails', title: `Berth: ${name}`, entry: 'serverDetails', retainContextWhenHidden: false, schema: FromWebview, what: `server details of ${name}` }, onClosed);
    this.listen(
      ctx.onDidChangeServers(() => this.update()),
      ctx.onDidChangeState(() => this.update()),
    );
  }

  protected receive(message: FromWebview): void {
    if (message.type === 'ready') this.update();
    else void vscode.commands.executeCommand(COMMANDS[message.action], this.name);
  }

  /** Sends the server's current state; a hidden panel has no script to receive it and asks again when shown. */
  private update(): void {
    if (!this.panel.visible) return;
    const server = this.ctx.server(this.name);
    // Removed (from the CLI, another window or its spec file): as its log channel does, the panel goes.
    if (!server) {
      this.panel.dispose();
      return;
    }
    this.post({ type: 'update', connected: this.ctx.connection.kind === 'connected', server: serverView(server) });
  }
}
