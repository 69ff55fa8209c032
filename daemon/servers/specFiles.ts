import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { isMap, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { headerSecrets, Health, Limits, pythonUnbuildable, Security, NewServerName, ServerSpec, ServerSpecInput, SPEC_LIMITS, SpecFile } from '../protocol/spec.js';
import { resolveAlerts } from '../protocol/alerts.js';
import { UpdatePolicy } from '../protocol/updatePolicy.js';
import { checkMount, mountPolicy } from '../policy/mounts.js';
import { checkSpecValues } from '../policy/values.js';
import { LOCAL_HOST } from '../protocol/hosts.js';
import { findCatalogEntry } from './catalog.js';
import { sourceImageTag } from '../images/sourceTag.js';
import { isLoopbackUrl } from './outside.js';
import { parseCpus, parseMemory } from './units.js';
import { writeUserFile } from '../atomicFile.js';
import { parseYamlOffThread } from './specParser.js';
import { parseYaml, type YamlResult } from './specYaml.js';
import { describeIssue } from '../protocol/issue.js';

/** Far above any hand-written file (thousands of servers); a bigger one is refused unread. */
export const MAX_SPEC_FILE_BYTES = 1024 * 1024;

/** A workspace's own server file, beside its code (loaded only for workspaces a client trusts). */
export function workspaceSpecFile(folder: string): string {
  return path.join(folder, '.berth', 'servers.yaml');
}

export interface SpecLoad {
  specs: ServerSpec[];
  /** One readable sentence per problem: file, field path and reason. */
  errors: string[];
  /** Identifies the files' contents as loaded; `specFingerprint` tells whether they changed since. */
  fingerprint: string;
}

/**
 * Loads the user file and then each workspace file; a workspace server overrides a user server of
 * the same name. A file with any error contributes nothing, so a typo never stops or changes
 * what is already running.
 */
export async function loadSpecs(files: string[]): Promise<SpecLoad> {
  const byName = new Map<string, ServerSpec>();
  const errors: string[] = [];
  const texts = await readSpecTexts(files);
  for (const [file, text] of texts) {
    const result = text instanceof Error ? { error: `${file}: ${text.message}` } : text === undefined ? { specs: [] } : specsOf(await parseYamlOffThread(text), file);
    if ('error' in result) {
      errors.push(result.error);
      continue;
    }
    for (const spec of result.specs) byName.set(spec.name, spec);
  }
  return { specs: [...byName.values()], errors, fingerprint: fingerprintOf(texts) };
}

/** The fingerprint `loadSpecs` would give the files as they are now, without parsing them. */
export async function specFingerprint(files: string[]): Promise<string> {
  return fingerprintOf(await readSpecTexts(files));
}

/** Each file's text; undefined for a file that does not exist (no servers). */
async function readSpecTexts(files: string[]): Promise<Map<string, string | undefined | Error>> {
  const texts = new Map<string, string | undefined | Error>();
  for (const file of files) texts.set(file, await readSpecText(file));
  return texts;
}

/** A spec file's text, refused unread when it is too big; undefined when there is no such file. */
async function readSpecText(file: string): Promise<string | undefined | Error> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return new Error(`cannot be read: ${(e as Error).message}`);
  }
  try {
    const { size } = await handle.stat();
    if (size > MAX_SPEC_FILE_BYTES) {
      return new Error(`is ${(size / 1024 / 1024).toFixed(1)} MiB, over the ${MAX_SPEC_FILE_BYTES / 1024 / 1024} MiB a spec file may be; is it the right file?`);
    }
    return await handle.readFile('utf8');
  } catch (e) {
    return new Error(`cannot be read: ${(e as Error).message}`);
  } finally {
    await handle.close();
  }
}

function fingerprintOf(texts: Map<string, string | undefined | Error>): string {
  const hash = createHash('sha256');
  for (const [file, text] of texts) hash.update(`${file}\0${text instanceof Error ? `!${text.message}` : (text ?? '-')}\0`);
  return hash.digest('hex');
}

/** Parses a spec file's text on the calling thread (the daemon parses off it, with `loadSpecs`). */
export function parseSpecText(text: string, file: string): { specs: ServerSpec[] } | { error: string } {
  return specsOf(parseYaml(text), file);
}

function specsOf(yaml: YamlResult, file: string): { specs: ServerSpec[] } | { error: string } {
  if ('error' in yaml) return { error: `${file}${yaml.line ? `:${yaml.line}` : ''}: not valid YAML: ${yaml.error}` };
  // A file of another kind (a symlink to a key, a config) is not quoted back: its keys may be secrets.
  if (!isSpecShaped(yaml.value)) return { error: `${file}: is not a Berth spec file (its top level must be a map with only a "servers" key)` };
  const parsed = SpecFile.safeParse(yaml.value);
  if (!parsed.success) return { error: `${file}: ${describeIssue(parsed.error)}` };
  const specs: ServerSpec[] = [];
  for (const [name, input] of Object.entries(parsed.data.servers)) {
    const resolved = resolveSpec(name, input, file);
    if ('error' in resolved) return { error: `${file}: ${resolved.error}` };
    specs.push(resolved.spec);
  }
  return { specs };
}

/** Applies catalog defaults and checks what zod cannot (units, required mounts). */
export function resolveSpec(name: string, input: ServerSpecInput, source: string): { spec: ServerSpec } | { error: string } {
  const nameCheck = NewServerName.safeParse(name);
  if (!nameCheck.success) return { error: `servers.${name}: the name ${nameCheck.error.issues[0]?.message}` };
  const entry = input.catalog === undefined ? undefined : findCatalogEntry(input.catalog);
  if (input.catalog !== undefined && !entry) return { error: `servers.${name}.catalog: there is no catalog entry "${input.catalog}"; run \`berth catalog\` to see them` };
  const outside = checkOutside(input);
  if (outside) return { error: `servers.${name}.${outside}` };
  const base: Partial<ServerSpecInput> = entry?.spec ?? {};
  const build = input.image ? input.build : (input.build ?? base.build);
  if (build && 'pypi' in build) return { error: `servers.${name}.build: ${pythonUnbuildable(`pypi ${build.pypi}`)}` };
  if (build && 'folder' in build) {
    const problem = checkBuildFolder(build.folder);
    if (problem) return { error: `servers.${name}.build.folder: ${problem}` };
  }
  const image = input.remote || input.external ? undefined : (input.image ?? base.image ?? (build && !('npm' in build) ? sourceImageTag(name, build) : undefined));
  if (!image && !input.remote && !input.external) return { error: `servers.${name}: needs "image", "catalog" or "build"` };
  const volumes = input.volumes ?? base.volumes ?? [];
  if (entry?.requires && !volumes.some((v) => v.target === entry.requires?.volumeTarget)) {
    return { error: `servers.${name}: the ${entry.id} server needs a folder at ${entry.requires.volumeTarget}; ${entry.requires.hint}` };
  }
  for (const [i, v] of volumes.entries()) {
    for (const p of [v.source, v.target]) {
      if (!path.isAbsolute(p)) return { error: `servers.${name}.volumes.${i}: "${p}" must be an absolute path` };
      if (p.split(/[\\/]/).includes('..')) return { error: `servers.${name}.volumes.${i}: "${p}" contains "..", which is not allowed` };
    }
    // A remote host's paths are its own: checked as written, not against this machine's files.
    const policy = input.host === LOCAL_HOST ? mountPolicy(process.env, v.allowSensitive ?? false) : { allowSensitive: v.allowSensitive ?? false, home: '', resolveSymlinks: false };
    const mount = checkMount(v.source, policy);
    if (!mount.ok) return { error: `servers.${name}.volumes.${i}: ${mount.reason}` };
  }
  const chosen = input.state ?? base.state;
  const state = chosen === false ? undefined : chosen;
  if (state !== undefined && (!path.posix.isAbsolute(state) || state.split('/').includes('..') || state === '/')) {
    return { error: `servers.${name}.state: "${state}" must be an absolute folder in the container, not / and without ".."` };
  }
  const argv = [...(input.command ?? base.command ?? []), ...(input.args ?? base.args ?? [])];
  const env = { ...base.env, ...input.env };
  const bytes = [...argv, ...Object.entries(env).map(([k, v]) => `${k}=${v}`)].reduce((n, s) => n + Buffer.byteLength(s) + 1, 0);
  if (bytes > SPEC_LIMITS.argvAndEnvBytes) {
    return { error: `servers.${name}: its command, args and env come to ${Math.ceil(bytes / 1024)} KiB, over the ${SPEC_LIMITS.argvAndEnvBytes / 1024} KiB a server may carry; put long inputs in a mounted file instead` };
  }
  const flagShaped = checkSpecValues({ image, command: input.command ?? base.command, args: input.args ?? base.args, env, user: input.security?.user ?? base.security?.user, volumes })[0];
  if (flagShaped) return { error: `servers.${name}.${flagShaped}` };
  const clash = input.secrets?.find((k) => input.env?.[k] !== undefined || base.env?.[k] !== undefined);
  if (clash) return { error: `servers.${name}.secrets: ${clash} is also set in env; a secret is injected as the env variable of its name, so remove it from env` };
  if (input.transport === 'http' && !(input.http ?? base.http)) return { error: `servers.${name}.http: an http server needs http.port (and http.path, default /mcp)` };
  if (input.transport === 'http' && input.network !== undefined && input.network !== 'bridge') {
    // The daemon reaches an HTTP server on its container's address, which an isolated network hides.
    return { error: `servers.${name}.network: an http server needs network bridge (the daemon reaches it on the container's address)` };
  }
  const limits = Limits.parse({ ...base.limits, ...input.limits });
  try {
    parseMemory(limits.memory);
    parseCpus(limits.cpus);
  } catch (e) {
    return { error: `servers.${name}.limits: ${(e as Error).message}` };
  }
  const spec = ServerSpec.parse({
    name,
    description: input.description ?? base.description,
    host: input.host,
    image,
    build,
    transport: input.transport,
    http: input.http ?? base.http,
    protocol: input.protocol ?? base.protocol,
    command: input.command ?? base.command,
    args: input.args ?? base.args ?? [],
    env: { ...base.env, ...input.env },
    volumes,
    state,
    // An HTTP server is reached over the container's bridge address, so it needs a network.
    network: input.network ?? base.network ?? (input.transport === 'http' ? 'bridge' : 'none'),
    limits,
    security: Security.parse({ ...base.security, ...input.security }),
    health: Health.parse({ ...base.health, ...input.health }),
    restart: input.restart ?? base.restart ?? 'on-failure',
    // A remote server's headers name the secrets they carry; those are its secrets too.
    secrets: [...new Set([...(input.secrets ?? []), ...headerSecrets(input.remote?.headers)])],
    remote: input.remote,
    external: input.external,
    tools: input.tools ?? base.tools,
    alerts: resolveAlerts(input.alerts),
    update: UpdatePolicy.parse(input.update ?? {}),
    source,
  });
  return { spec };
}

/**
 * What a `remote` or `external` server may not say (it has no container), and the acknowledgement
 * an external one needs. Gives the field path and reason of the first problem.
 */
function checkOutside(input: ServerSpecInput): string | undefined {
  const kind = input.remote ? 'remote' : input.external ? 'external' : undefined;
  if (input.isolation === 'none' && kind !== 'external') return 'isolation: only an external server runs without isolation; remove it';
  if (!kind) return undefined;
  if (input.remote && input.external) return 'remote: a server is remote or external, not both';
  if (input.host !== LOCAL_HOST) return `host: a${kind === 'external' ? 'n external' : ' remote'} server is run from this machine's daemon; remove host`;
  const containerOnly = (['catalog', 'image', 'build', 'command', 'args', 'volumes', 'http', 'network', 'limits', 'security'] as const).find((k) => input[k] !== undefined);
  if (containerOnly) return `${containerOnly}: a${kind === 'external' ? 'n external' : ' remote'} server is no container, so it has no ${containerOnly}`;
  if (input.transport === 'http') return `transport: a${kind === 'external' ? 'n external' : ' remote'} server's transport follows from its kind; remove transport`;
  if (input.external) {
    if (input.isolation !== 'none') return 'external: a command on the host runs as you, with no isolation at all; say so with `isolation: none` beside it to run it anyway';
    if (input.external.command.includes('/') && !path.isAbsolute(input.external.command)) return `external.command: "${input.external.command}" must be an absolute path or a command name on PATH`;
  }
  if (input.remote) {
    if (input.remote.ca !== undefined && !path.isAbsolute(input.remote.ca)) return `remote.ca: "${input.remote.ca}" must be an absolute path to a PEM file`;
    if (input.remote.insecure && !isLoopbackUrl(input.remote.url)) return 'remote.insecure: certificate checks may be skipped only for a server on this machine (127.0.0.1, ::1, localhost); name its CA with remote.ca instead';
  }
  return undefined;
}

/**
 * A build folder is read on the daemon's machine (whatever host runs the image) and sent whole to
 * the engine, so it is held to the rules of a mount's source, without the per-volume override.
 */
function checkBuildFolder(folder: string): string | undefined {
  if (!path.isAbsolute(folder)) return `"${folder}" must be an absolute path`;
  if (folder.split(/[\\/]/).includes('..')) return `"${folder}" contains "..", which is not allowed`;
  if (checkMount(folder, mountPolicy(process.env, false)).ok) return undefined;
  return `"${folder}" is or holds a sensitive path (credentials, system files, Berth's own folders), which Berth never builds from; copy the server into a folder of its own`;
}

function isSpecShaped(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.every((k) => k === 'servers');
}

/**
 * The parts of a spec that shape its container; a change to any of them means a new container.
 * Not canonicalJson: every running container carries this hash, so the text hashed stays as it
 * was (zod fixes the order of nested keys, env is sorted here).
 */
export function specHash(spec: ServerSpec): string {
  const { image, command, args, env, volumes, network, limits, security, transport, http } = spec;
  // Secret names only (their values are folded in by the supervisor, keyed); absent when none, so older hashes stay valid.
  const secrets = spec.secrets.length ? { secrets: [...spec.secrets].sort() } : {};
  // Likewise a remote or external server's own part, present only for those.
  const outside = spec.remote ? { remote: spec.remote } : spec.external ? { external: spec.external } : {};
  const state = spec.state === undefined ? {} : { state: spec.state };
  const canonical = JSON.stringify({ image, command, args, env: sortKeys(env), volumes, network, limits, security, transport, http, ...secrets, ...outside, ...state });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

function sortKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}

/** Adds or replaces one server in a spec file, keeping every comment and other entry; atomic. */
export async function writeServerEntry(file: string, name: string, input: z.input<typeof ServerSpecInput> | undefined): Promise<void> {
  await editSpecDocument(file, (doc) => {
    if (input === undefined) doc.deleteIn(['servers', name]);
    else doc.setIn(['servers', name], doc.createNode(compact(input)));
  });
}

/**
 * One server's entry exactly as its file writes it, before any default is filled in (a form edits
 * what the user wrote; an update changes two fields of it); undefined when the file has none.
 */
export async function readServerEntry(file: string, name: string): Promise<Record<string, unknown> | undefined> {
  const text = await readSpecText(file);
  if (text instanceof Error) throw new Error(`${file} ${text.message}`);
  const loaded = text === undefined ? undefined : parseYaml(text);
  if (!loaded) return undefined;
  if ('error' in loaded) throw new Error(`${file}${loaded.line ? `:${loaded.line}` : ''} is not valid YAML (${loaded.error}); fix it first`);
  const servers: unknown = isSpecShaped(loaded.value) ? (loaded.value as { servers?: unknown }).servers : undefined;
  const entry: unknown = typeof servers === 'object' && servers !== null ? (servers as Record<string, unknown>)[name] : undefined;
  return typeof entry === 'object' && entry !== null && !Array.isArray(entry) ? (entry as Record<string, unknown>) : undefined;
}

/** Sets some fields of one server's entry (an update's image and version), keeping the rest of the entry and its comments. */
export async function setServerFields(file: string, name: string, fields: Partial<z.input<typeof ServerSpecInput>>): Promise<void> {
  await editSpecDocument(file, (doc) => {
    for (const [k, v] of Object.entries(fields)) {
      if (v === undefined) doc.deleteIn(['servers', name, k]);
      else doc.setIn(['servers', name, k], doc.createNode(v));
    }
  });
}

async function editSpecDocument(file: string, edit: (doc: Document) => void): Promise<void> {
  const text = await readSpecText(file);
  if (text instanceof Error) throw new Error(`${file} ${text.message}`);
  // The whole file is checked first (an alias bomb parses as a document but not as data): a file
  // that cannot load is never rewritten, so its author's error is not buried under a new one.
  const loaded = text === undefined ? undefined : parseYaml(text);
  if (loaded && 'error' in loaded) throw new Error(`${file}${loaded.line ? `:${loaded.line}` : ''} is not valid YAML (${loaded.error}); fix it first`);
  const doc = parseDocument(text || '# Berth servers: each key under `servers` is a server name (see "Spec files" in the Berth README).\nservers:\n');
  const servers = doc.get('servers');
  if (!isMap(servers)) {
    const fresh = doc.createNode({});
    fresh.flow = false;
    doc.set('servers', fresh);
  } else if (servers.items.length === 0) {
    servers.flow = false;
  }
  edit(doc);
  writeUserFile(file, doc.toString());
}

/** What a person would write: no undefined, empty or default-valued fields. */
function compact(input: z.input<typeof ServerSpecInput>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) {
    if (v === undefined || (Array.isArray(v) && v.length === 0)) continue;
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0) continue;
    if ((k === 'host' && v === 'local') || (k === 'transport' && v === 'stdio')) continue;
    out[k] = v;
  }
  return out;
}
