// Opening a Berth panel, the one way every panel does it: scripts on, nothing loadable but
// dist/media, the Berth icon, and the strict-CSP page of html.ts for its bundle.
import * as vscode from 'vscode';
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
