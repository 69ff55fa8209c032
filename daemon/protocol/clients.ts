import { z } from 'zod';
import { ServerName } from './spec.js';
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
