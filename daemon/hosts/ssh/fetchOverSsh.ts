import http from 'node:http';
import type { Duplex } from 'node:stream';
import { agentFetch, type FetchLike } from '../../mcp/agentFetch.js';
import type { SshConnection } from './connection.js';

/**
 * `fetch` for addresses on an SSH host's side: each request rides a forwarded channel on the
 * host's one connection, to the container's own address, so an HTTP server there is reached
 * with no port published on any interface.
 */
export function fetchOverSsh(connection: SshConnection): FetchLike {
  const agent = new http.Agent({ keepAlive: false });
  agent.createConnection = (options: { host?: string; port?: number | string }, callback: (err: Error | null, socket?: Duplex) => void) => {
    connection.forward(options.host ?? '127.0.0.1', Number(options.port ?? 80)).then(
      (channel) => callback(null, Object.assign(channel, { setKeepAlive: () => channel, setNoDelay: () => channel, setTimeout: () => channel, ref: () => channel, unref: () => channel })),
      (e: Error) => callback(e),
    );
    return undefined;
  };
  return agentFetch(agent);
}
