import type { MessageConnection } from 'vscode-jsonrpc/node';
import type { Metrics } from '../metrics/metrics.js';
import { AlertsList, MetricsHistory } from '../protocol/metrics.js';
import { handle } from './rpc.js';

/** History for charts, and alerts; `requireServer` throws NotFound for a name that is not a server. */
export function registerMetricsHandlers(connection: MessageConnection, deps: { metrics: Metrics; servers(): string[]; requireServer(name: string): void }): void {
  handle(connection, MetricsHistory, (p) => {
    if (p.name !== undefined) deps.requireServer(p.name);
    const { resolutionMs, slots, bytesPerServer } = deps.metrics.budget;
    const names = p.name === undefined ? deps.servers() : [p.name];
    const servers = names.flatMap((name) => deps.metrics.history(name)?.toJson(name, p.since) ?? []);
    return { resolutionMs, slots, bytesPerServer, servers };
  });
  handle(connection, AlertsList, (p) => {
    if (p.name !== undefined) deps.requireServer(p.name);
    return deps.metrics.alerts.state(p.name);
  });
}
