import { z } from 'zod';
import { CallToolResultSchema, GetPromptResultSchema, ReadResourceResultSchema } from '@modelcontextprotocol/core';
import { notification, request, WithProgress } from './define.js';
import { HostName } from './hosts.js';
import { EnvKey, FolderBuild, GitBuild, ImageRef, NetworkSpec, NewServerName, ServerName, VolumeSpec } from './spec.js';
import { Capabilities, CatalogEntryInfo, LogLine, ServerStatus } from './status.js';
import { ApprovedServer } from './trust.js';

/**
 * The daemon API, defined once (hosts.ts, clients.ts and policy.ts hold the rest). Every client
 * (CLI, extension) compiles this in; the daemon validates each incoming params object against it.
 */
export const PROTOCOL_VERSION = 1;

const ByName = z.object({ name: ServerName }).strict();

/**
 * LSP-shaped, so the extension can join the daemon through vscode-languageclient: Berth's own
 * handshake rides in `initializationOptions`, and other LSP fields are accepted and ignored.
 */
export const Initialize = request(
  'initialize',
  z
    .object({
      initializationOptions: z.object({ protocolVersion: z.number().int(), client: z.object({ name: z.string(), version: z.string() }) }),
    })
    .passthrough(),
  z.object({
    capabilities: z.object({}).passthrough(),
    serverInfo: z.object({ name: z.string(), version: z.string() }),
    protocolVersion: z.number(),
    daemon: z.object({ pid: z.number(), version: z.string() }),
  }),
);
export const Shutdown = request('shutdown', z.null().optional(), z.null());
/** A client is done: the daemon closes that connection only, it is shared by every other client. */
export const Exit = notification('exit', z.null().optional());

export const DaemonStatus = request(
  'daemon/status',
  z.object({}).strict(),
  z.object({
    pid: z.number(),
    version: z.string(),
    userSpecFile: z.string(),
    engine: z.object({ ok: z.boolean(), version: z.string().optional(), error: z.string().optional() }),
    specErrors: z.array(z.string()),
    /** Sentences about the daemon's own state, such as a damaged state file it set aside. */
    notices: z.array(z.string()).default([]),
  }),
);

/** Answered at once; a client waiting on a long request asks it to know the daemon still answers. */
export const DaemonPing = request('daemon/ping', z.object({}).strict(), z.object({}));

/** Stops the daemon (containers keep running; the next daemon adopts them). Answered before it goes. */
export const DaemonShutdown = request('daemon/shutdown', z.object({}).strict(), z.object({}));

const Folder = z.string().min(1).max(4096).refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p), 'must be an absolute path');
/** Workspace folders whose `.berth/servers.yaml` the daemon loads beside the user file. */
export const WorkspacesList = request('workspaces/list', z.object({}).strict(), z.array(z.object({ folder: z.string(), specFile: z.string() })));
export const WorkspacesAdd = request('workspaces/add', z.object({ folder: Folder }).strict(), z.object({}));
export const WorkspacesRemove = request('workspaces/remove', z.object({ folder: Folder }).strict(), z.object({}));
/**
 * Approves a workspace's servers (all of them, or `server`), pinned to what each asks for now;
 * with `hash`, only if what it asks for is still what the user was shown. Servers the user wanted
 * running start. A server whose file asks for what no workspace may have is refused.
 */
export const WorkspacesApprove = request(
  'workspaces/approve',
  z.object({ folder: Folder, server: ServerName.optional(), hash: z.string().max(128).optional() }).strict(),
  z.object({ approved: z.array(ApprovedServer), refused: z.array(z.string()) }),
);

/** The built-in catalog, what `servers/add` takes as `catalog`; every catalog's entries are `catalog/search` (catalog.ts). */
export const CatalogList = request('catalog/list', z.object({ query: z.string().max(200).optional() }).strict(), z.array(CatalogEntryInfo));

export const ServersList = request('servers/list', z.object({ name: ServerName.optional() }).strict(), z.array(ServerStatus));

/** What a new server gets beyond its image or entry, as `berth add` and `berth install` take it. */
export const AddFlags = {
  /** A host from `hosts/list`; `local` when absent. */
  host: HostName.optional(),
  args: z.array(z.string().max(4096)).optional(),
  env: z.record(EnvKey, z.string().max(32768)).optional(),
  volumes: z.array(VolumeSpec).optional(),
  memory: z.string().max(32).optional(),
  cpus: z.string().max(32).optional(),
  network: NetworkSpec.optional(),
  start: z.boolean().optional(),
};

export const ServersAdd = request(
  'servers/add',
  z
    .object({
      name: NewServerName,
      catalog: z.string().max(100).optional(),
      image: ImageRef.optional(),
      /** A git repository or a folder to build the server from (the image is named after the server). */
      build: z.union([GitBuild, FolderBuild]).optional(),
      ...AddFlags,
      ...WithProgress,
    })
    .strict()
    .refine((p) => [p.catalog, p.image, p.build].filter((x) => x !== undefined).length === 1, 'give exactly one of catalog, image or build'),
  ServerStatus,
);

export const ServersStart = request('servers/start', ByName.extend(WithProgress), ServerStatus);
export const ServersStop = request('servers/stop', ByName, ServerStatus);
export const ServersRestart = request('servers/restart', ByName.extend(WithProgress), ServerStatus);
export const ServersRemove = request(
  'servers/remove',
  z.object({ name: ServerName, volumes: z.boolean().optional() }).strict(),
  /** `keptVolume`: its state volume, kept because `volumes` was not asked for. */
  z.object({ removed: z.string(), keptVolume: z.string().optional() }),
);
export const ServersBuild = request('servers/build', ByName.extend({ force: z.boolean().optional(), ...WithProgress }), z.object({ image: z.string() }));
export const ServersCapabilities = request('servers/capabilities', ByName, Capabilities);
export const ServersCallTool = request(
  'servers/callTool',
  ByName.extend({
    tool: z.string().min(1).max(200),
    arguments: z.record(z.string(), z.unknown()).optional(),
    /** The MCP client a bridge calls for, recorded in the audit log. */
    client: z.string().max(200).optional(),
  }),
  CallToolResultSchema,
);

export const ServersGetPrompt = request(
  'servers/getPrompt',
  ByName.extend({ prompt: z.string().min(1).max(200), arguments: z.record(z.string(), z.string()).optional() }),
  GetPromptResultSchema,
);
export const ServersReadResource = request('servers/readResource', ByName.extend({ uri: z.string().min(1).max(4096) }), ReadResourceResultSchema);

/** What a client needs to reach a server (or, without a name, the aggregate endpoint) over HTTP. */
export const GatewayEndpoint = request(
  'gateway/endpoint',
  z.object({ name: ServerName.optional(), servers: z.array(ServerName).optional(), tools: z.array(z.string().max(200)).optional() }).strict(),
  z.object({ url: z.string(), headers: z.record(z.string(), z.string()) }),
);

export const LogsQuery = request(
  'logs/query',
  ByName.extend({ lines: z.number().int().min(1).max(100_000).optional(), since: z.number().optional(), grep: z.string().max(1000).optional() }),
  z.array(LogLine),
);
export const LogsFollow = request('logs/follow', ByName.extend({ grep: z.string().max(1000).optional() }), z.object({ subscription: z.string() }));
export const LogsUnfollow = request('logs/unfollow', z.object({ subscription: z.string() }).strict(), z.object({}));

export const ServersDidChange = notification('servers/didChange', z.object({ servers: z.array(ServerStatus) }));
export const LogsDidAppend = notification('logs/didAppend', z.object({ subscription: z.string(), lines: z.array(LogLine) }));
export const ProgressDidReport = notification('progress/didReport', z.object({ token: z.string(), message: z.string() }));
