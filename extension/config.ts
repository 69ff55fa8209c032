// The `berth.*` settings, read in one place.
import * as vscode from 'vscode';

export interface BerthConfig {
  /** A berth CLI to use instead of the bundled one (a .js file run with Node, or an executable). */
  daemonPath: string | undefined;
  /** Start a daemon when none is running; off means join an existing one only. */
  autoStart: boolean;
  /** Start a stopped server when VS Code's agent needs it, instead of failing. */
  startOnDemand: boolean;
  /** Lines of history shown when a server's log channel opens. */
  logHistoryLines: number;
  /** Offer Berth's own tools (`berth mcp`) to VS Code's agents as the "Berth" MCP server. */
  berthMcp: { enabled: boolean; allowWrite: boolean };
}

export function readConfig(): BerthConfig {
  const c = vscode.workspace.getConfiguration('berth');
  const daemonPath = c.get<string>('daemon.path', '').trim();
  return {
    daemonPath: daemonPath === '' ? undefined : daemonPath,
    autoStart: c.get<boolean>('daemon.autoStart', true),
    startOnDemand: c.get<boolean>('mcp.startOnDemand', true),
    logHistoryLines: Math.max(1, Math.min(100_000, c.get<number>('logs.historyLines', 200))),
    berthMcp: { enabled: c.get<boolean>('mcp.enabled', false), allowWrite: c.get<boolean>('mcp.allowWrite', false) },
  };
}
