// The status bar item's content from the daemon's state. Pure, so it is unit-tested.
import type { Alert } from '../../daemon/protocol/alerts.js';
import type { ServerStatus } from '../../daemon/protocol/status.js';
import { isRunning } from '../tree/nodes.js';

export type ConnectionState =
  | { kind: 'connecting' }
  | { kind: 'connected'; daemonVersion: string; pid: number; engine: { ok: boolean; version?: string; error?: string }; specErrors: string[]; notices: string[] }
  | { kind: 'failed'; error: string };

export interface StatusBarContent {
  text: string;
  tooltip: string;
  severity: 'ok' | 'warning' | 'error';
}

export function statusBarContent(state: ConnectionState, servers: readonly ServerStatus[], openAlerts: readonly Alert[] = []): StatusBarContent {
  if (state.kind === 'connecting') return { text: '$(loading~spin) Berth', tooltip: 'Berth: connecting to the daemon…', severity: 'ok' };
  if (state.kind === 'failed') return { text: '$(error) Berth', tooltip: `Berth: ${state.error}`, severity: 'error' };
  if (!state.engine.ok) {
    return { text: '$(error) Berth: no Docker', tooltip: `Berth cannot reach Docker: ${state.engine.error ?? 'unknown error'}`, severity: 'error' };
  }
  const running = servers.filter(isRunning).length;
  const troubled = servers.filter((s) => s.phase === 'unhealthy' || s.phase === 'error' || s.phase === 'oom-killed');
  const lines = [
    `Berth daemon ${state.daemonVersion} (pid ${state.pid}) · Docker ${state.engine.version ?? ''}`.trim(),
    `${running} of ${servers.length} server${servers.length === 1 ? '' : 's'} running`,
    ...troubled.map((s) => `${s.name}: ${s.phase}${s.message ? ` — ${s.message}` : ''}`),
    ...openAlerts.map((a) => `alert: ${a.server}: ${a.message}`),
    ...servers.filter((s) => s.update).map((s) => `update available: ${s.name} ${s.update?.current} → ${s.update?.available}`),
    ...state.specErrors.map((e) => `spec error: ${e} (what runs is left as it is until the file is fixed)`),
    ...state.notices.map((n) => `notice: ${n}`),
  ];
  const severity = troubled.length > 0 || openAlerts.length > 0 || state.specErrors.length > 0 || state.notices.length > 0 ? 'warning' : 'ok';
  const icon = severity === 'warning' ? '$(warning)' : '$(server-process)';
  // Open alerts are counted beside the running count, so they show without a hover.
  const alerts = openAlerts.length ? ` $(bell-dot) ${openAlerts.length}` : '';
  // Likewise servers with an update available: counted, not a warning.
  const updatable = servers.filter((s) => s.update).length;
  const updates = updatable ? ` $(arrow-up) ${updatable}` : '';
  return { text: `${icon} Berth ${running}${alerts}${updates}`, tooltip: lines.join('\n'), severity };
}
