import type { Dashboard } from '../../webview/dashboardPanel.js';
import { serverNamesFromArgs } from '../targets.js';

/** Opens (or reveals) the dashboard; given a server (a row, or an alert's Open Dashboard), scrolls to it. */
export function openDashboard(dashboard: Dashboard, node?: unknown, nodes?: unknown): void {
  dashboard.show(serverNamesFromArgs(node, nodes)?.[0]);
}
