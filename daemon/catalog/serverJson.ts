import { z } from 'zod';
import { describeIssue } from '../protocol/issue.js';
import { checkedItem, refusedEntry } from './entryCheck.js';
import type { CatalogInput, CatalogItem } from '../protocol/catalog.js';
import { ImageRef, pythonUnbuildable, type ServerSpecInput } from '../protocol/spec.js';
import { SECRET_NAME } from '../protocol/names.js';
import { npmImageTag, serverNameOf } from './naming.js';
import { remoteSpecOf } from './remoteEntry.js';

/**
 * The official MCP Registry's `server.json` (schema 2025-09-29 and later), as far as Berth reads
 * it. Unknown fields pass: the registry adds fields, and an entry must not vanish because of one.
 */
const KeyValueInput = z
  .object({
    name: z.string(),
    description: z.string().optional(),
    isRequired: z.boolean().optional(),
    isSecret: z.boolean().optional(),
    default: z.string().optional(),
    value: z.string().optional(),
  })
  .passthrough();

const Argument = z
  .object({
    type: z.enum(['positional', 'named']),
    name: z.string().optional(),
    value: z.string().optional(),
    valueHint: z.string().optional(),
    description: z.string().optional(),
    isRequired: z.boolean().optional(),
    default: z.string().optional(),
  })
  .passthrough();

const Transport = z.object({ type: z.string(), url: z.string().optional() }).passthrough();

export const RegistryPackage = z
  .object({
    registryType: z.string(),
    registryBaseUrl: z.string().optional(),
    identifier: z.string(),
    version: z.string().optional(),
    transport: Transport.default({ type: 'stdio' }),
    runtimeHint: z.string().optional(),
    runtimeArguments: z.array(Argument).optional(),
    packageArguments: z.array(Argument).optional(),
    environmentVariables: z.array(KeyValueInput).optional(),
  })
  .passthrough();

const Remote = z.object({ type: z.string(), url: z.string(), headers: z.array(KeyValueInput).optional() }).passthrough();

export const ServerJson = z
  .object({
    name: z.string().min(1).max(200),
    title: z.string().optional(),
    description: z.string().default(''),
    version: z.string().optional(),
    packages: z.array(RegistryPackage).optional(),
    remotes: z.array(Remote).optional(),
  })
  .passthrough();
export type ServerJson = z.infer<typeof ServerJson>;

/** One element of a registry's list answer: the server.json and the registry's own metadata. */
export const RegistryListEntry = z.object({
  server: ServerJson,
  _meta: z.record(z.string(), z.unknown()).optional(),
});

/** `GET /v0.1/servers` and `GET /v0.1/servers/{name}/versions`. */
/** A list whose entries are read one by one (serverJsonItems), so one that does not parse costs only itself. */
export const LaxRegistryList = z.object({
  servers: z.array(z.unknown()),
  metadata: z.object({ nextCursor: z.string().nullish(), count: z.number().optional() }).passthrough().optional(),
});

/** The entries of a list of server.json (bare, or as a registry lists them); one that does not parse is listed as refused, with why. */
export function serverJsonItems(list: unknown[], catalog: string): CatalogItem[] {
  return list.map((raw, i) => {
    const entry = isServerWrapper(raw) ? raw.server : raw;
    const s = ServerJson.safeParse(entry);
    if (s.success) return checkedItem(fromServerJson(s.data, catalog));
    const name = typeof (entry as { name?: unknown } | null)?.name === 'string' ? (entry as { name: string }).name : `entry ${i + 1}`;
    return refusedEntry(name, catalog, `its server.json is not valid (${describeIssue(s.error)})`);
  });
}

function isServerWrapper(v: unknown): v is { server: unknown } {
  return typeof v === 'object' && v !== null && 'server' in v;
}

export const RegistryList = z.object({
  servers: z.array(RegistryListEntry),
  metadata: z.object({ nextCursor: z.string().nullish(), count: z.number().optional() }).passthrough().optional(),
});

/** Registry types Berth knows of but cannot build, each with the one sentence that says why. */
const UNBUILDABLE: Record<string, (identifier: string) => string> = {
  pypi: (id) => pythonUnbuildable(`pypi ${id}`),
};

/** Converts one server.json to Berth's catalog entry: runnable with a spec, or listed with the reason it is not. */
export function fromServerJson(server: ServerJson, catalog: string): CatalogItem {
  const base = {
    id: server.name,
    catalog,
    description: server.description || server.title || '',
    version: server.version,
    serverName: serverNameOf(server.name),
    network: 'none' as const,
  };
  const packages = server.packages ?? [];
  const pkg = packages.find((p) => p.registryType === 'npm' || p.registryType === 'oci') ?? packages[0];
  if (!pkg) {
    // A Streamable HTTP remote first: the one Berth can reach.
    const remote = server.remotes?.find((r) => r.type === 'streamable-http') ?? server.remotes?.[0];
    const empty = { inputs: [], secrets: [], mounts: [] };
    if (!remote) return { ...base, ...empty, source: 'nothing to run', unrunnable: 'its server.json names no package and no remote' };
    const converted = remoteSpecOf(base.serverName, remote.url, remote.type === 'streamable-http' ? undefined : remote.type, remote.headers ?? []);
    if ('refuse' in converted) return { ...base, ...empty, source: `remote ${remote.url}`, unrunnable: converted.refuse };
    const description = base.description.slice(0, 500) || undefined;
    return { ...base, ...empty, source: `remote ${remote.url}`, secrets: converted.secrets, spec: { description, ...converted.spec } };
  }
  const env = environmentOf(pkg.environmentVariables ?? []);
  const args = argumentsOf(pkg.packageArguments ?? []);
  const common = { inputs: [...env.inputs, ...args.inputs], secrets: env.secrets, mounts: [] as string[] };
  const version = pkg.version ?? server.version;
  const unbuildable = UNBUILDABLE[pkg.registryType];
  const source = `${pkg.registryType} ${pkg.identifier}${version && pkg.registryType !== 'oci' ? `@${version}` : ''}`;
  const refuse = (reason: string): CatalogItem => ({ ...base, ...common, source, unrunnable: reason });
  if (unbuildable) return refuse(unbuildable(pkg.identifier));
  if (pkg.registryType !== 'npm' && pkg.registryType !== 'oci') return refuse(`its package comes from a "${pkg.registryType}" registry, which Berth cannot build from (npm and oci images only)`);
  if (pkg.transport.type !== 'stdio') return refuse(`its ${pkg.registryType} package speaks MCP over ${pkg.transport.type}; Berth runs registry packages over stdio only`);
  const badSecret = env.secrets.find((s) => !SECRET_NAME.test(s));
  if (badSecret) return refuse(`its secret ${JSON.stringify(badSecret)} is not a name Berth can inject as an environment variable`);

  const spec: Partial<ServerSpecInput> = {
    description: base.description.slice(0, 500) || undefined,
    transport: 'stdio',
    ...(args.argv.length ? { args: args.argv } : {}),
    ...(Object.keys(env.defaults).length ? { env: env.defaults } : {}),
    ...(env.secrets.length ? { secrets: env.secrets } : {}),
  };
  if (pkg.registryType === 'npm') {
    return { ...base, ...common, source, spec: { ...spec, image: npmImageTag(pkg.identifier, version), build: { npm: pkg.identifier, ...(version ? { version } : {}) } } };
  }
  const image = pkg.identifier.includes(':') || pkg.identifier.includes('@') || !version ? pkg.identifier : `${pkg.identifier}:${version}`;
  if (!ImageRef.safeParse(image).success) return refuse(`its image reference ${JSON.stringify(image)} is not one Berth accepts`);
  return { ...base, ...common, source: `image ${image}`, spec: { ...spec, image } };
}

/** Secret variables become secret references; others with a value or default become env; required ones without become inputs. */
function environmentOf(vars: z.infer<typeof KeyValueInput>[]): { defaults: Record<string, string>; secrets: string[]; inputs: CatalogInput[] } {
  const defaults: Record<string, string> = {};
  const secrets: string[] = [];
  const inputs: CatalogInput[] = [];
  for (const v of vars) {
    if (v.isSecret) {
      // A secret's default would be a value in a spec file: it is dropped, the reference kept.
      secrets.push(v.name);
      continue;
    }
    const value = v.value ?? v.default;
    if (value !== undefined && !/\{[A-Za-z_][\w.-]*\}/.test(value)) defaults[v.name] = value;
    else inputs.push({ kind: 'env', name: v.name, description: v.description, required: v.isRequired ?? false });
  }
  return { defaults, secrets, inputs };
}

/** Fixed arguments go into the spec's args in order; a required positional without a value is asked for. */
function argumentsOf(list: z.infer<typeof Argument>[]): { argv: string[]; inputs: CatalogInput[] } {
  const argv: string[] = [];
  const inputs: CatalogInput[] = [];
  for (const a of list) {
    const value = a.value ?? a.default;
    const templated = value !== undefined && /\{[A-Za-z_][\w.-]*\}/.test(value);
    if (a.type === 'named' && a.name) {
      if (value === undefined) argv.push(a.name);
      else if (!templated) argv.push(a.name, value);
      else inputs.push({ kind: 'arg', name: a.name, description: a.description, required: a.isRequired ?? false });
    } else if (value !== undefined && !templated) {
      argv.push(value);
    } else {
      inputs.push({ kind: 'arg', name: a.valueHint ?? a.name ?? 'argument', description: a.description, required: a.isRequired ?? false });
    }
  }
  return { argv, inputs };
}
