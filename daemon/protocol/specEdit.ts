import { z } from 'zod';
import { request } from './define.js';
import { ServerName, ServerSpecInput } from './spec.js';
import { ServerStatus } from './status.js';

/**
 * A server's entry as its spec file writes it, for the server form to edit. `editable` is false
 * for a server defined outside the user spec file (a workspace's `.berth/servers.yaml`).
 */
export const ServersGetSpec = request(
  'servers/getSpec',
  z.object({ name: ServerName }).strict(),
  z.object({ spec: z.record(z.string(), z.unknown()), source: z.string(), editable: z.boolean() }),
);

/**
 * Writes a server's entry to the user spec file, keeping the file's comments and other entries
 * (as `servers/add` does): a new server, or with `replace` an existing one of that file.
 */
export const ServersPut = request('servers/put', z.object({ name: ServerName, spec: ServerSpecInput, replace: z.boolean() }).strict(), ServerStatus);
