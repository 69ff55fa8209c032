import type { ClientId } from '../protocol/clients.js';
import type { Endpoint, StdioEndpoint } from './endpoint.js';
import type { ClientEnv } from './platform.js';

/**
 * Where a client keeps its servers inside its file: a JSON(C) object keyed by server name under
 * `container`, or (Continue) a YAML list under `container` whose items carry their `name`.
 */
export type ConfigShape = { format: 'json'; container: string } | { format: 'yaml-list'; container: string };

/** One MCP client: its files on each platform and the entry format it reads. */
export interface ClientDef {
  id: ClientId;
  label: string;
  shape: ConfigShape;
  userFile(e: ClientEnv): string;
  /** Only clients that read a file inside a project folder have one. */
  projectFile?(e: ClientEnv, project: string): string;
  /** The folder the client creates for itself; its presence means the client is installed. */
  installDir(e: ClientEnv): string;
  entry(endpoint: Endpoint, key: string): Record<string, unknown>;
  /** A file that, when present, the client reads instead of `userFile` if Berth created it. */
  supersedes?(e: ClientEnv): string;
}

/** `command`/`args`/`env`, the stdio shape nearly every client shares; `env` only when there is one. */
export function stdioFields(ep: StdioEndpoint): Record<string, unknown> {
  return { command: ep.command, args: ep.args, ...(Object.keys(ep.env).length ? { env: ep.env } : {}) };
}
