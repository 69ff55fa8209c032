import { z } from 'zod';
import type { CatalogInput, CatalogItem } from '../protocol/catalog.js';
import { parseRule } from '../protocol/egressRule.js';
import { SECRET_NAME } from '../protocol/names.js';
import { ImageRef, type ServerSpecInput } from '../protocol/spec.js';
import { serverNameOf } from './naming.js';
import { remoteSpecOf } from './remoteEntry.js';
import { checkedItem, refusedEntry } from './entryCheck.js';
import { describeIssue } from '../protocol/issue.js';

/**
 * Docker's MCP catalog format (`docker mcp catalog`, the docker/mcp-registry repository): a
 * `registry:` map of entries with an image, secrets (a dotted name and the env variable it fills),
 * env (values may be `{{config.path}}` templates), config (a JSON schema of what the user gives),
 * allowHosts and tools. Unknown fields pass.
 */
const Secret = z.object({ name: z.string(), env: z.string(), example: z.string().optional(), description: z.string().optional() }).passthrough();
const Env = z.object({ name: z.string(), value: z.string().default('') }).passthrough();
const ConfigBlock = z
  .object({
    name: z.string().optional(),
    description: z.string().optional(),
    properties: z.record(z.string(), z.object({ description: z.string().optional() }).passthrough()).optional(),
    required: z.array(z.string()).optional(),
  })
  .passthrough();

export const DockerEntry = z
  .object({
    title: z.string().optional(),
    description: z.string().default(''),
    type: z.string().default('server'),
    image: z.string().optional(),
    command: z.array(z.string()).optional(),
    secrets: z.array(Secret).optional(),
    env: z.array(Env).optional(),
    config: z.array(ConfigBlock).optional(),
    volumes: z.array(z.string()).optional(),
    allowHosts: z.array(z.string()).optional(),
    tools: z.array(z.object({ name: z.string() }).passthrough()).optional(),
    oauth: z.unknown().optional(),
    remote: z.object({ url: z.string().optional(), transport_type: z.string().optional(), headers: z.record(z.string(), z.string()).optional() }).passthrough().optional(),
  })
  .passthrough();
export type DockerEntry = z.infer<typeof DockerEntry>;

/** Entries are read one by one (fromDockerCatalog), so one that does not parse costs only itself. */
export const DockerCatalog = z.object({ registry: z.record(z.string(), z.unknown()) }).passthrough();

const TEMPLATE = /\{\{\s*([^}|\s]+)[^}]*\}\}/;
/** Every template of a header value, made the single-brace form remote entries share (remoteEntry.ts). */
const TEMPLATE_ALL = /\{\{\s*([^}|\s]+)[^}]*\}\}/g;

/** Converts one Docker catalog entry: secrets become secret references, allowHosts an egress allowlist, templated env inputs. */
export function fromDockerEntry(id: string, e: DockerEntry, catalog: string): CatalogItem {
  const secrets = (e.secrets ?? []).map((s) => s.env);
  const inputs = inputsOf(e);
  const env = Object.fromEntries((e.env ?? []).filter((v) => !TEMPLATE.test(v.value)).map((v) => [v.name, v.value]));
  const mounts = (e.volumes ?? []).map((v) => (TEMPLATE.test(v) ? `a folder you choose (${v})` : v));
  const rules = e.allowHosts ?? [];
  const network = rules.length ? { allow: rules } : ('none' as const);
  const base = {
    id,
    catalog,
    description: e.description || e.title || '',
    serverName: serverNameOf(id),
    source: e.image ? `image ${e.image}` : e.remote?.url ? `remote ${e.remote.url}` : `${e.type} entry`,
    inputs,
    secrets,
    mounts,
    network,
    ...(e.tools ? { tools: e.tools.map((t) => t.name) } : {}),
  };
  const refuse = (reason: string): CatalogItem => ({ ...base, unrunnable: reason });
  if (e.oauth !== undefined && secrets.length === 0) return refuse('it signs in with OAuth only, which Berth cannot do for a server yet');
  if (e.remote?.url || e.type === 'remote') {
    if (!e.remote?.url) return refuse('it is a hosted server whose entry names no URL');
    const headers = Object.entries(e.remote.headers ?? {}).map(([name, value]) => ({ name, value: value.replace(TEMPLATE_ALL, '{$1}') }));
    const converted = remoteSpecOf(base.serverName, e.remote.url, e.remote.transport_type, headers);
    if ('refuse' in converted) return refuse(converted.refuse);
    return { ...base, network: 'none', secrets: [...new Set([...secrets, ...converted.secrets])], spec: { description: base.description.slice(0, 500) || undefined, ...converted.spec } };
  }
  if (!e.image) return refuse(`its type "${e.type}" names no image to run`);
  if (!ImageRef.safeParse(e.image).success) return refuse(`its image reference ${JSON.stringify(e.image)} is not one Berth accepts`);
  const badSecret = secrets.find((s) => !SECRET_NAME.test(s));
  if (badSecret) return refuse(`its secret ${JSON.stringify(badSecret)} is not a name Berth can inject as an environment variable`);
  const badRule = rules.map(parseRule).find((r): r is { error: string } => 'error' in r);
  if (badRule) return refuse(`its allowHosts cannot become an egress allowlist: ${badRule.error}`);
  const spec: Partial<ServerSpecInput> = {
    description: base.description.slice(0, 500) || undefined,
    image: e.image,
    transport: 'stdio',
    network,
    ...(e.command?.length && !e.command.some((a) => TEMPLATE.test(a)) ? { args: e.command } : {}),
    ...(Object.keys(env).length ? { env } : {}),
    ...(secrets.length ? { secrets } : {}),
  };
  return { ...base, spec };
}

/** Templated env values (`{{github.toolsets}}`) are what the user gives, described by the entry's config schema. */
function inputsOf(e: DockerEntry): CatalogInput[] {
  const described = new Map<string, { description?: string; required: boolean }>();
  for (const block of e.config ?? []) {
    for (const [prop, schema] of Object.entries(block.properties ?? {})) {
      described.set(`${block.name ?? ''}.${prop}`, { description: schema.description, required: block.required?.includes(prop) ?? false });
    }
  }
  return (e.env ?? []).flatMap((v) => {
    const m = TEMPLATE.exec(v.value);
    if (!m?.[1]) return [];
    const about = described.get(m[1]);
    return [{ kind: 'env' as const, name: v.name, description: about?.description, required: about?.required ?? false }];
  });
}

/** All entries of a Docker catalog document, in its order. */
export function fromDockerCatalog(doc: z.infer<typeof DockerCatalog>, catalog: string): CatalogItem[] {
  return Object.entries(doc.registry).map(([id, raw]) => {
    const e = DockerEntry.safeParse(raw);
    return checkedItem(e.success ? fromDockerEntry(id, e.data, catalog) : refusedEntry(id, catalog, `its entry is not valid (${describeIssue(e.error)})`));
  });
}
