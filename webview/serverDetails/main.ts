// The Server Details panel's script. The extension sends the server as data; every string is
// placed with textContent (tool descriptions come from untrusted servers). The buttons post an
// action back, which the extension checks and runs as its own `berth.server.*` command.
import '@vscode-elements/elements/dist/bundled.js';
import './serverDetails.css';
import type { FromWebview, ToWebview } from '../../extension/webview/messages.js';
import { DetailsPage } from './page.js';

declare function acquireVsCodeApi(): { postMessage(message: FromWebview): void };

const vscode = acquireVsCodeApi();
const root = document.getElementById('root');
if (root) {
  const page = new DetailsPage(root, (action) => vscode.postMessage({ type: 'run', action }));
  window.addEventListener('message', (e: MessageEvent<ToWebview | undefined>) => {
    if (e.data?.type === 'update') page.render(e.data);
  });
  vscode.postMessage({ type: 'ready' });
}
