import { z } from 'zod';
import { SecretName } from '../policy/schemas.js';
import type { RequestDef } from './methods.js';
import { ServerName } from './spec.js';

const request = <P extends z.ZodType, R extends z.ZodType>(method: string, params: P, result: R): RequestDef<P, R> => ({ method, params, result });

export { SECRET_NAME, SecretName } from '../policy/schemas.js';

/** Sent only to the daemon, which keeps it 0600; never echoed back by any method. */
export const SecretsSet = request(
  'secrets/set',
  z.object({ name: SecretName, value: z.string().min(1).max(32768) }).strict(),
  z.object({ name: z.string(), servers: z.array(z.string()) }),
);

/** Names only, with the servers whose specs use each. */
export const SecretsList = request(
  'secrets/list',
  z.object({}).strict(),
  z.array(z.object({ name: z.string(), updated: z.number(), servers: z.array(z.string()) })),
);

export const SecretsRemove = request('secrets/remove', z.object({ name: SecretName }).strict(), z.object({ removed: z.string() }));

const PinnedTool = z.object({ name: z.string(), description: z.string().optional(), inputSchema: z.unknown().optional(), annotations: z.unknown().optional() });

/** Tools a server offers that differ from what the user approved, and a readable diff of them. */
export const ToolsPending = request(
  'tools/pending',
  z.object({ name: ServerName }).strict(),
  z.object({
    changed: z.array(z.object({ tool: z.string(), before: PinnedTool, after: PinnedTool })),
    added: z.array(PinnedTool),
    removed: z.array(PinnedTool),
    diff: z.string(),
  }),
);

/** Approves the server's current definitions: of the named tools, or of all of them. */
export const ToolsApprove = request(
  'tools/approve',
  z.object({ name: ServerName, tools: z.array(z.string().min(1).max(200)).optional() }).strict(),
  z.object({ approved: z.array(z.string()) }),
);
