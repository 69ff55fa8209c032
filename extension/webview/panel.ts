// Opening a Berth panel, the one way every panel does it: scripts on, nothing loadable but
// dist/media, the Berth icon, and the strict-CSP page of html.ts for its bundle. BerthPanel holds
// the rest that every panel shares: each message from the page is parsed before it is acted on,
// and closing the panel lets go of everything it listened to.
import * as vscode from 'vscode';
import type { z } from 'zod';
import type { Ctx } from '../ctx.js';
import { panelHtml } from './html.js';

export interface PanelOptions {
  /** The `berth.*` view type, which VS Code uses to tell panels apart. */
  viewType: string;
  title: string;
  /** The bundle in dist/media, built from webview/<entry>/. */
  entry: string;
  /** Keep the page alive while its tab is hidden (costly; for state the user would lose). */
  retainContextWhenHidden: boolean;
}

export function openPanel(extensionUri: vscode.Uri, o: PanelOptions): vscode.WebviewPanel {
  const media = vscode.Uri.joinPath(extensionUri, 'dist', 'media');
  const panel = vscode.window.createWebviewPanel(o.viewType, o.title, vscode.ViewColumn.Active, {
    enableScripts: true,
    localResourceRoots: [media],
    retainContextWhenHidden: o.retainContextWhenHidden,
  });
  panel.iconPath = vscode.Uri.joinPath(extensionUri, 'extension', 'media', 'berth.svg');
  const webview = panel.webview;
  webview.html = panelHtml({ cspSource: webview.cspSource, mediaBase: webview.asWebviewUri(media).toString(), entry: o.entry, title: o.title });
  return panel;
}

export interface BerthPanelOptions<In> extends PanelOptions {
  /** What the page may send; anything else is logged and dropped. */
  schema: z.ZodType<In>;
  /** Names the panel in the log, e.g. `log viewer of NAME`. */
  what: string;
}

/** A panel whose page sends `In` messages and is sent `Out` ones. */
export abstract class BerthPanel<In, Out> implements vscode.Disposable {
  protected readonly panel: vscode.WebviewPanel;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    protected readonly ctx: Ctx,
    o: BerthPanelOptions<In>,
    onClosed: () => void,
  ) {
    this.panel = openPanel(ctx.extension.extensionUri, o);
    this.subscriptions.push(
      this.panel.webview.onDidReceiveMessage((raw: unknown) => {
        const parsed = o.schema.safeParse(raw);
        if (parsed.success) void this.receive(parsed.data);
        else ctx.output.warn(`${o.what}: ignored a malformed message from the panel: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      }),
      this.panel.onDidDispose(() => {
        onClosed();
        this.closed();
        for (const d of this.subscriptions.splice(0)) d.dispose();
      }),
    );
  }

  /** Acts on a message the page sent, once it has parsed. */
  protected abstract receive(message: In): void | Promise<void>;

  /** What else the panel lets go of when it closes. */
  protected closed(): void {}

  /** Listens for as long as the panel is open. */
  protected listen(...subscriptions: vscode.Disposable[]): void {
    this.subscriptions.push(...subscriptions);
  }

  protected post(message: Out): void {
    void this.panel.webview.postMessage(message);
  }

  reveal(): void {
    this.panel.reveal();
  }

  dispose(): void {
    this.panel.dispose();
  }
}
