import { z } from 'zod';
import { request } from './define.js';
import { SecretName } from './names.js';
import { ServerName } from './spec.js';

/** Shorter values would be redacted everywhere they appear by chance, mangling logs. */
export const MIN_SECRET_LENGTH = 6;
export const MAX_SECRET_LENGTH = 32768;

/**
 * Where a secret's value comes from: `editor` values were handed in by a client (VS Code, from its
 * SecretStorage) and live in the daemon's memory only; `stored` ones are in `secrets.json`. An
 * editor's value wins over a stored one of the same name for as long as the daemon runs.
 */
export const SecretSource = z.enum(['editor', 'stored']);
export type SecretSource = z.infer<typeof SecretSource>;

const SecretValue = z.string().min(1).max(MAX_SECRET_LENGTH);

/** Sent only to the daemon, which keeps it 0600; never echoed back by any method. */
export const SecretsSet = request(
  'secrets/set',
  z.object({ name: SecretName, value: SecretValue }).strict(),
  /** `effective` is where the value servers get now comes from: `editor` when an editor's value still wins over this one. */
  z.object({ name: z.string(), servers: z.array(z.string()), effective: SecretSource }),
);

/**
 * Values a client keeps elsewhere (VS Code's SecretStorage), handed to the daemon, which holds
 * them in memory only and never echoes them. All or nothing: one bad name or value refuses the lot.
 */
export const SecretsProvide = request(
  'secrets/provide',
  z.object({ secrets: z.array(z.object({ name: SecretName, value: SecretValue }).strict()).min(1).max(256) }).strict(),
  z.array(z.object({ name: z.string(), servers: z.array(z.string()) })),
);

/** Drops values a client handed in (its user deleted them there); stored values of the same names stay. */
export const SecretsForget = request('secrets/forget', z.object({ names: z.array(SecretName).min(1).max(256) }).strict(), z.object({ forgotten: z.array(z.string()) }));

/**
 * Every secret that has a value or that a spec names, never a value: where it is set (the source
 * servers get first), when that value was set, and the servers whose specs name it. `sources` is
 * empty for a secret a spec names that is set nowhere.
 */
export const SecretsList = request(
  'secrets/list',
  z.object({}).strict(),
  z.array(z.object({ name: z.string(), sources: z.array(SecretSource), updated: z.number().optional(), servers: z.array(z.string()) })),
);

export const SecretsRemove = request(
  'secrets/remove',
  z.object({ name: SecretName }).strict(),
  /** `servers`: those whose spec names it (running ones keep the value they started with). */
  z.object({ removed: z.string(), servers: z.array(z.string()).optional() }),
);

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
