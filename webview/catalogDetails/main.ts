// The Catalog Entry Details panel's script. The extension sends the entry as data; every string
// is placed with textContent (descriptions come from third-party catalogs). Install posts back,
// and the extension runs its own install command.
import '@vscode-elements/elements/dist/bundled.js';
import './catalogDetails.css';
import type { FromCatalogDetails, ToCatalogDetails } from '../../extension/webview/catalogDetailsMessages.js';
import { CatalogDetailsPage } from './page.js';

declare function acquireVsCodeApi(): { postMessage(message: FromCatalogDetails): void };

const vscode = acquireVsCodeApi();
const root = document.getElementById('root');
if (root) {
  const page = new CatalogDetailsPage(root, () => vscode.postMessage({ type: 'install' }));
  window.addEventListener('message', (e: MessageEvent<ToCatalogDetails | undefined>) => {
    if (e.data?.type === 'update' || e.data?.type === 'error') page.render(e.data);
  });
  vscode.postMessage({ type: 'ready' });
}
