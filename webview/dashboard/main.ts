// The dashboard's script. The extension sends every server as data; strings are placed with
// textContent (server messages and alert texts are untrusted). Buttons post an action back, which
// the extension checks and runs as its own `berth.*` command.
import '@vscode-elements/elements/dist/bundled.js';
import './dashboard.css';
import type { FromDashboard, ToDashboard } from '../../extension/webview/dashboardMessages.js';
import { DashboardPage } from './page.js';

declare function acquireVsCodeApi(): { postMessage(message: FromDashboard): void };

const vscode = acquireVsCodeApi();
const root = document.getElementById('root');
if (root) {
  const page = new DashboardPage(root, (action, server) => vscode.postMessage({ type: 'run', action, server }));
  window.addEventListener('message', (e: MessageEvent<ToDashboard | undefined>) => {
    if (e.data?.type === 'update') page.render(e.data);
    else if (e.data?.type === 'focus') page.focus(e.data.server);
  });
  vscode.postMessage({ type: 'ready' });
}
