import { z } from 'zod';
import { request, WithProgress } from './define.js';
import { AddFlags } from './methods.js';
import { NetworkSpec, ServerName, ServerSpecInput } from './spec.js';

/**
 * Catalogs beyond the built-in one: the official MCP Registry's `server.json` (a file, or any
 * registry serving its REST API) and Docker's catalog format. Every entry of every catalog is
 * shown as a `CatalogItem`, runnable or not; one Berth cannot run says why.
 */

/** A catalog's name: what `berth catalog rm` takes and what `berth info` shows an entry came from. */
export const CatalogName = ServerName;
export const BUILT_IN_CATALOG = 'built-in';

export const CatalogKind = z.enum(['registry', 'server.json', 'docker']);
export type CatalogKind = z.infer<typeof CatalogKind>;

export const CatalogSource = z.object({
  name: CatalogName,
  kind: CatalogKind,
  /** An absolute file path, or a registry's base URL. */
  location: z.string(),
});
export type CatalogSource = z.infer<typeof CatalogSource>;

/** Something the user gives at install: an env value (`--env`), a positional argument (`--arg`). */
export const CatalogInput = z.object({
  kind: z.enum(['env', 'arg']),
  /** The env variable, or a hint naming the argument. */
  name: z.string(),
  description: z.string().optional(),
  required: z.boolean(),
});
export type CatalogInput = z.infer<typeof CatalogInput>;

export const CatalogItem = z.object({
  id: z.string(),
  catalog: z.string(),
  description: z.string(),
  version: z.string().optional(),
  /** Every published version, newest last, when the catalog says (`berth info` asks a registry for them). */
  versions: z.array(z.string()).optional(),
  /** Where the server comes from, in a few words: `npm @x/y@1.2`, `image mcp/github`, `pypi foo`. */
  source: z.string(),
  /** The server name `berth install` gives it unless told otherwise. */
  serverName: ServerName,
  /** Why Berth cannot run it; absent when it can. */
  unrunnable: z.string().optional(),
  /** The spec an install writes (before the user's flags); absent when unrunnable. */
  spec: ServerSpecInput.partial().optional(),
  inputs: z.array(CatalogInput),
  secrets: z.array(z.string()),
  /** Folders it expects mounted, described. */
  mounts: z.array(z.string()),
  network: NetworkSpec,
  tools: z.array(z.string()).optional(),
});
export type CatalogItem = z.infer<typeof CatalogItem>;

export const CatalogSources = request('catalog/sources', z.object({}).strict(), z.array(CatalogSource));

export const CatalogAddSource = request(
  'catalog/addSource',
  z.object({ location: z.string().min(1).max(4096), name: CatalogName.optional() }).strict(),
  z.object({ source: CatalogSource, entries: z.number().int(), unrunnable: z.number().int() }),
);

export const CatalogRemoveSource = request('catalog/removeSource', z.object({ name: CatalogName }).strict(), z.object({ removed: z.string() }));

/** Every catalog's entries matching the query; a catalog that cannot be read is a problem line, not a failure. */
export const CatalogSearch = request(
  'catalog/search',
  z.object({ query: z.string().max(200).optional() }).strict(),
  z.object({ entries: z.array(CatalogItem), problems: z.array(z.string()) }),
);

export const CatalogInfo = request('catalog/info', z.object({ entry: z.string().min(1).max(300), version: z.string().max(100).optional() }).strict(), CatalogItem);

export const InstallStep = z.object({
  step: z.enum(['resolve', 'build', 'connection', 'checks', 'install']),
  ok: z.boolean(),
  text: z.string(),
});
export type InstallStep = z.infer<typeof InstallStep>;

export const ServersInstall = request(
  'servers/install',
  z
    .object({
      entry: z.string().min(1).max(300),
      version: z.string().max(100).optional(),
      name: ServerName.optional(),
      ...AddFlags,
      /** Every step but the last: test the entry, add nothing. */
      test: z.boolean().optional(),
      ...WithProgress,
    })
    .strict(),
  z.object({ ok: z.boolean(), name: z.string(), steps: z.array(InstallStep) }),
);
