// The log viewer's script: the extension sends lines as data, placed with textContent (a
// server's output is untrusted); copy goes back to the extension, which owns the clipboard.
import '@vscode-elements/elements/dist/bundled.js';
import './logViewer.css';
import type { FromLogViewer, ToLogViewer } from '../../extension/webview/logViewerMessages.js';
import { LogViewerPage } from './page.js';

declare function acquireVsCodeApi(): { postMessage(message: FromLogViewer): void };

const vscode = acquireVsCodeApi();
const root = document.getElementById('root');
if (root) {
  const page = new LogViewerPage(root, (text) => vscode.postMessage({ type: 'copy', text }));
  window.addEventListener('message', (e: MessageEvent<ToLogViewer | undefined>) => {
    if (e.data) page.receive(e.data);
  });
  vscode.postMessage({ type: 'ready' });
}
