import path from 'node:path';

/**
 * How a client reaches one Berth server. Today every entry is the stdio bridge; the gateway's
 * HTTP endpoint (URL plus headers) becomes a second member of this union, and each client's
 * `entry` gains the case for it.
 */
export interface StdioEndpoint {
  kind: 'stdio';
  command: string;
  args: string[];
  env: Record<string, string>;
}
export type Endpoint = StdioEndpoint;

/** The command that runs this Berth: the part of every `berth connect NAME` entry before `connect`. */
export interface Launcher {
  command: string;
  args: string[];
  env: Record<string, string>;
}

export function connectEndpoint(launcher: Launcher, server: string): StdioEndpoint {
  return { kind: 'stdio', command: launcher.command, args: [...launcher.args, 'connect', server], env: { ...launcher.env } };
}

/**
 * The launcher for the Berth this daemon runs from. A `.js` bundle is written with the absolute
 * Node that runs it, not relied on through its `#!/usr/bin/env node` line: GUI clients (Claude
 * Desktop on macOS above all) start with a minimal PATH that rarely holds a version-managed Node.
 * Under Electron (a daemon started by VS Code) the binary only acts as Node with
 * ELECTRON_RUN_AS_NODE. BERTH_HOME is passed on so the bridge reaches this daemon, not another.
 */
export function daemonLauncher(proc: { argv: string[]; execPath: string; env: NodeJS.ProcessEnv; versions: NodeJS.ProcessVersions } = process): Launcher {
  const entry = path.resolve(proc.argv[1] ?? 'berth');
  const env: Record<string, string> = {};
  if (proc.env.BERTH_HOME) env.BERTH_HOME = path.resolve(proc.env.BERTH_HOME);
  if (!/\.[cm]?js$/.test(entry)) return { command: entry, args: [], env };
  if (proc.versions.electron) env.ELECTRON_RUN_AS_NODE = '1';
  return { command: proc.execPath, args: [entry], env };
}

/** Berth's entries are keyed `berth-NAME`, so they never take the place of a user's own entry of the same name. */
const ENTRY_PREFIX = 'berth-';
export const entryKey = (server: string): string => `${ENTRY_PREFIX}${server}`;
