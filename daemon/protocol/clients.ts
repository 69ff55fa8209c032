import { z } from 'zod';
import { ServerName, ServerSpecInput } from './spec.js';
import { request } from './define.js';

/** The MCP clients whose config files Berth writes. */
export const ClientId = z.enum(['claude-desktop', 'cursor', 'windsurf', 'cline', 'continue', 'claude-code', 'vscode']);
export type ClientId = z.infer<typeof ClientId>;

/** A project folder, absolute: the daemon's working directory is not the caller's. */
const ProjectDir = z.string().min(1).max(4096).refine((p) => /^(\/|[A-Za-z]:[\\/]|\\\\)/.test(p), 'must be an absolute path');

const Target = { client: ClientId, project: ProjectDir.optional() };

/** One config file: a client's user file, or its file in one project. */
const FileRef = {
  client: ClientId,
  label: z.string(),
  file: z.string(),
  scope: z.enum(['user', 'project']),
  project: z.string().optional(),
};

export const ClientInfo = z.object({
  ...FileRef,
  /** The client's own folder exists (for a project file: the project folder). */
  installed: z.boolean(),
  /** Servers Berth has registered in this file. */
  servers: z.array(z.string()),
  inSync: z.boolean(),
});
export type ClientInfo = z.infer<typeof ClientInfo>;

/**
 * What became of an entry Berth wrote: `missing` (removed by hand, or the file went), `edited`
 * (a field Berth owns was changed by hand), `stale` (Berth would now write something else: it
 * moved, or its Node did), `orphaned` (the server no longer exists in Berth).
 */
export const EntryState = z.enum(['ok', 'missing', 'edited', 'stale', 'orphaned']);
export type EntryState = z.infer<typeof EntryState>;

export const EntryStatus = z.object({ server: z.string(), key: z.string(), state: EntryState, detail: z.string().optional() });
export type EntryStatus = z.infer<typeof EntryStatus>;

export const FileStatus = z.object({
  ...FileRef,
  entries: z.array(EntryStatus),
  /** Why the file could not be read (it does not parse, say); its entries are then unknown. */
  error: z.string().optional(),
});
export type FileStatus = z.infer<typeof FileStatus>;

export const WriteResult = z.object({
  ...FileRef,
  /** Entry keys written or rewritten, and removed. */
  written: z.array(z.string()),
  removed: z.array(z.string()),
  /** The previous file, kept beside it; absent when nothing changed or the file is new. */
  backup: z.string().optional(),
  error: z.string().optional(),
});
export type WriteResult = z.infer<typeof WriteResult>;

export const ClientsList = request('clients/list', z.object({}).strict(), z.array(ClientInfo));
export const ClientsRegister = request(
  'clients/register',
  z.object({ ...Target, servers: z.array(ServerName).min(1).max(500).optional() }).strict(),
  WriteResult,
);
export const ClientsUnregister = request(
  'clients/unregister',
  z.object({ ...Target, servers: z.array(ServerName).min(1).max(500).optional() }).strict(),
  WriteResult,
);
export const ClientsStatus = request('clients/status', z.object({ client: ClientId.optional() }).strict(), z.array(FileStatus));
export const ClientsSync = request('clients/sync', z.object({ client: ClientId.optional() }).strict(), z.array(WriteResult));

/**
 * What `berth import` makes of one MCP server entry in a client's file: an npm build, an image
 * (from `docker run`), or something it lists and leaves (a Python package, a remote URL, a host
 * command, an entry that is already Berth's), with the reason. Secret values never travel: only
 * the names of the env variables that would move to Berth's secret store.
 */
export const ImportCandidate = z.object({
  ...FileRef,
  key: z.string(),
  server: ServerName,
  kind: z.enum(['npm', 'image', 'python', 'remote', 'berth', 'other']),
  /** Why it is not imported; absent when it is. */
  skipped: z.string().optional(),
  /** What Berth would run, in a few words. */
  summary: z.string(),
  secrets: z.array(z.string()),
  spec: ServerSpecInput.partial().optional(),
});
export type ImportCandidate = z.infer<typeof ImportCandidate>;

/** `problems`: client files that could not be read (they do not parse), each one sentence. */
export const ClientsImportPlan = request('clients/importPlan', z.object({}).strict(), z.object({ candidates: z.array(ImportCandidate), problems: z.array(z.string()) }));

export const ImportResult = ImportCandidate.extend({ imported: z.boolean(), error: z.string().optional(), backup: z.string().optional() });
export type ImportResult = z.infer<typeof ImportResult>;

/** One entry of one client file, as `clients/importPlan` named it. */
export const ImportEntryRef = z.object({ file: z.string().min(1).max(4096), key: z.string().min(1).max(500) }).strict();
export type ImportEntryRef = z.infer<typeof ImportEntryRef>;

/**
 * Adds every importable entry as a server and points the client's entry at `berth connect NAME`
 * (backups kept, comments kept). `entries` limits it to the ones the user chose (by file and key,
 * as one server may come from several clients and the user may bring in only one of them); the
 * others are left as they are, with the reason `not chosen`.
 */
export const ClientsImport = request(
  'clients/import',
  z.object({ entries: z.array(ImportEntryRef).max(1000).optional() }).strict(),
  z.object({ results: z.array(ImportResult), problems: z.array(z.string()) }),
);
