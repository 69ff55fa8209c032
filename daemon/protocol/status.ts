import { z } from 'zod';
import { NetworkSpec } from './spec.js';
import { ApprovalState } from './trust.js';
import { AvailableUpdate } from './updates.js';

export const Phase = z.enum(['creating', 'starting', 'healthy', 'unhealthy', 'stopped', 'exited', 'oom-killed', 'error']);
export type Phase = z.infer<typeof Phase>;

export const Stats = z.object({
  cpuPercent: z.number(),
  memoryBytes: z.number(),
  memoryLimitBytes: z.number(),
  networkRxBytes: z.number(),
  networkTxBytes: z.number(),
  pids: z.number(),
});

export const HealthCheck = z.object({ t: z.number(), ok: z.boolean(), ms: z.number().optional(), error: z.string().optional() });

// Passthrough: clients bridged through the daemon get the server's full definitions (schemas, annotations).
const Named = z.object({ name: z.string(), description: z.string().optional() }).passthrough();
export const Capabilities = z.object({
  serverInfo: z.object({ name: z.string(), version: z.string() }).passthrough().optional(),
  instructions: z.string().optional(),
  tools: z.array(Named.extend({ inputSchema: z.object({ type: z.literal('object') }).passthrough() })),
  prompts: z.array(Named),
  resources: z.array(Named.extend({ uri: z.string() })),
  /** The server's declared capabilities (completions, logging, resources.subscribe): what a proxy in front of it may declare. */
  server: z.record(z.string(), z.unknown()).optional(),
});
export type Capabilities = z.infer<typeof Capabilities>;

/**
 * What a server's image was made from, as its labels recorded at build time (images/provenance.ts),
 * or, for a pulled image, the registry digest it was pulled at.
 */
export const Provenance = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('npm'), package: z.string(), version: z.string(), integrity: z.string().optional() }),
  z.object({ kind: z.literal('git'), url: z.string(), commit: z.string(), path: z.string().optional(), package: z.string().optional() }),
  z.object({ kind: z.literal('folder'), path: z.string(), contentHash: z.string(), package: z.string().optional() }),
  z.object({ kind: z.literal('image'), ref: z.string(), digest: z.string().optional() }),
  z.object({ kind: z.literal('remote'), url: z.string() }),
  z.object({ kind: z.literal('external'), command: z.string() }),
]);
export type Provenance = z.infer<typeof Provenance>;

/**
 * What runs a server: a hardened `container`; a `remote` server hosted elsewhere (reached over
 * HTTPS, nothing of it runs here); an `external` command on the host, not isolated at all.
 */
export const ServerKind = z.enum(['container', 'remote', 'external']);
export type ServerKind = z.infer<typeof ServerKind>;

export const ServerStatus = z.object({
  name: z.string(),
  /** Absent for a container, which most servers are. */
  kind: ServerKind.optional(),
  description: z.string().optional(),
  host: z.string(),
  /** The image for a container; the URL of a remote server; the command of an external one. */
  image: z.string(),
  imageDigest: z.string().optional(),
  /** What its image was built or pulled from; known once it has run. */
  provenance: Provenance.optional(),
  source: z.string(),
  /** What the server may reach: none, bridge, or an egress allowlist. */
  network: NetworkSpec.optional(),
  phase: Phase,
  /** One sentence on why the server is in an error, exited or unhealthy phase. */
  message: z.string().optional(),
  containerId: z.string().optional(),
  restartCount: z.number(),
  /** Crashes in a row with no healthy minute between, from the third: the server is in a crash loop (restarts back off up to 30 s). */
  crashLoop: z.number().optional(),
  health: z.array(HealthCheck),
  stats: Stats.optional(),
  capabilities: Capabilities.optional(),
  /** The MCP revision the daemon and the server agreed on, while it runs: `legacy` is 2025's `initialize`, `modern` 2026-07-28's `server/discover`. */
  protocol: z.object({ era: z.enum(['legacy', 'modern']), version: z.string() }).optional(),
  /** A newer version the last update check found. */
  update: AvailableUpdate.optional(),
  /** Set for a workspace server that may not run yet: refused, or waiting for the user's approval. */
  approval: ApprovalState.optional(),
});
export type ServerStatus = z.infer<typeof ServerStatus>;

export const CatalogEntryInfo = z.object({
  id: z.string(),
  description: z.string(),
  image: z.string(),
  npm: z.string(),
  /** A folder the entry cannot run without, so a client can ask for it up front. */
  requires: z.object({ volumeTarget: z.string(), hint: z.string() }).optional(),
});

/** 'berth' = lines the daemon writes about the server (started, restarted, errors); 'mcp' = the server's MCP log notifications. */
export const LogStream = z.enum(['stdout', 'stderr', 'berth', 'mcp']);
export type LogStream = z.infer<typeof LogStream>;
/** One line of a server's log; `t` is ms since the epoch. */
export const LogLine = z.object({ t: z.number(), stream: LogStream, text: z.string() });
export type LogLine = z.infer<typeof LogLine>;
