// What VS Code's MCP support is told about each Berth server. Pure, so it is unit-tested.
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../daemon/protocol/canonicalJson.js';
import type { ServerStatus } from '../../daemon/protocol/status.js';

type Tools = NonNullable<ServerStatus['capabilities']>['tools'];

/**
 * A short hash of the tool list. VS Code caches a server's tools and refreshes them when the
 * definition's version changes, so the version must change exactly when the tools do.
 */
export function toolsVersion(tools: Tools): string {
  const byName = Object.fromEntries(tools.map((t) => [t.name, { description: t.description, inputSchema: t.inputSchema }]));
  return createHash('sha256').update(canonicalJson(byName)).digest('hex').slice(0, 12);
}

/**
 * Remembers the last known tools version of each server, so stopping a server (which forgets
 * its capabilities) does not look like a change of tools to VS Code.
 */
export class VersionMemory {
  private versions: Map<string, string>;

  constructor(initial: Record<string, string> = {}) {
    this.versions = new Map(Object.entries(initial));
  }

  /** Updates from a fresh server list; returns true when a known version changed or a server went away. */
  update(servers: readonly ServerStatus[]): boolean {
    let changed = false;
    const names = new Set(servers.map((s) => s.name));
    for (const name of [...this.versions.keys()]) {
      if (!names.has(name)) {
        this.versions.delete(name);
        changed = true;
      }
    }
    for (const s of servers) {
      if (!s.capabilities) continue;
      const v = toolsVersion(s.capabilities.tools);
      if (this.versions.get(s.name) !== v) {
        this.versions.set(s.name, v);
        changed = true;
      }
    }
    return changed;
  }

  get(name: string): string | undefined {
    return this.versions.get(name);
  }

  toJSON(): Record<string, string> {
    return Object.fromEntries(this.versions);
  }
}

/** Identifies the set of definitions; the provider fires its change event only when this changes. */
export function definitionsKey(servers: readonly ServerStatus[], versions: VersionMemory): string {
  return servers
    .map((s) => `${s.name}@${versions.get(s.name) ?? '-'}`)
    .sort()
    .join(',');
}

export interface StdioLaunch {
  command: string;
  args: string[];
  env: Record<string, string>;
}

/**
 * How a client starts the stdio bridge for `name`: `berth connect NAME` run by the editor's own
 * Node (Electron in desktop VS Code, hence ELECTRON_RUN_AS_NODE). BERTH_HOME is passed on so the
 * bridge talks to the same daemon as the window that registered it.
 */
export function connectLaunch(name: string, o: LaunchFrom): StdioLaunch {
  return berthLaunch(['connect', name], o);
}

interface LaunchFrom {
  execPath: string;
  berthEntry: string;
  berthHome?: string;
}

/** The label of the definition for Berth's own tools; server names are lowercase, so none can take it. */
export const BERTH_DEFINITION_LABEL = 'Berth';

/** How a client starts Berth's own MCP server (`berth mcp`), read-only unless the user's setting allows writes. */
export function berthMcpLaunch(o: LaunchFrom & { allowWrite: boolean }): StdioLaunch {
  return berthLaunch(['mcp', ...(o.allowWrite ? ['--allow-write'] : [])], o);
}

function berthLaunch(args: string[], o: LaunchFrom): StdioLaunch {
  const env: Record<string, string> = { ELECTRON_RUN_AS_NODE: '1' };
  if (o.berthHome) env.BERTH_HOME = o.berthHome;
  const isScript = /\.[cm]?js$/.test(o.berthEntry);
  return isScript ? { command: o.execPath, args: [o.berthEntry, ...args], env } : { command: o.berthEntry, args, env };
}

/** The snippet "Copy Connection Info" puts on the clipboard: the `mcpServers` shape most clients read. */
export function connectionInfo(name: string, berthEntry: string, berthHome?: string): string {
  const isScript = /\.[cm]?js$/.test(berthEntry);
  const entry: Record<string, unknown> = isScript ? { command: 'node', args: [berthEntry, 'connect', name] } : { command: berthEntry, args: ['connect', name] };
  if (berthHome) entry.env = { BERTH_HOME: berthHome };
  return JSON.stringify({ mcpServers: { [name]: entry } }, null, 2);
}
