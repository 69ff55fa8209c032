// The server form's script: it draws the fields the extension sends and shows the extension's
// verdicts; it parses and validates nothing itself, so there is one validator (the spec's zod schema).
import '@vscode-elements/elements/dist/bundled.js';
import './serverForm.css';
import type { FromServerForm, ToServerForm } from '../../extension/webview/serverFormMessages.js';
import { FormPage } from './page.js';

declare function acquireVsCodeApi(): { postMessage(message: FromServerForm): void };

const vscode = acquireVsCodeApi();
const root = document.getElementById('root');
if (root) {
  const page = new FormPage(root, (message) => vscode.postMessage(message));
  window.addEventListener('message', (e: MessageEvent<ToServerForm | undefined>) => {
    if (e.data) page.receive(e.data);
  });
  vscode.postMessage({ type: 'ready' });
}
