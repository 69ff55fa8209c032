import path from 'node:path';
import { npmImageTag, serverNameOf } from '../catalog/naming.js';
import { headerSecretName, remoteSpecOf, type RemoteHeader } from '../catalog/remoteEntry.js';
import { scanText, SECRET_ENV_NAME } from '../policy/secretScan.js';
import type { ImportCandidate } from '../protocol/clients.js';
import { SECRET_NAME } from '../protocol/names.js';
import { EnvKey, ImageRef, NpmPackage, pythonUnbuildable, type ServerSpecInput, type VolumeSpec } from '../protocol/spec.js';
import type { z } from 'zod';

/** What one client entry becomes: the candidate shown, and the secret values that would move to Berth's store (never shown). */
export interface ClassifiedEntry {
  candidate: Omit<ImportCandidate, 'client' | 'label' | 'file' | 'scope' | 'project'>;
  secretValues: Record<string, string>;
}

type Classified = Omit<ClassifiedEntry['candidate'], 'key' | 'server'> & { secretValues?: Record<string, string> };

/**
 * Reads one MCP server entry of a client's config the way the client would run it, and says what
 * Berth would make of it: `npx -y @scope/pkg` → an npm build, `docker run … image` → an image spec
 * with its env, mounts and network, `uvx pkg` → a Python package (not built here), a URL → a remote
 * server (its credential headers made secrets), `berth connect` → already Berth's, anything else →
 * left with why.
 */
export function classifyEntry(key: string, value: unknown): ClassifiedEntry {
  const server = serverNameOf(key);
  const c = classify(isRecord(value) ? value : {}, server);
  const { secretValues = {}, ...rest } = c;
  return { candidate: { key, server, ...rest }, secretValues };
}

function classify(entry: Record<string, unknown>, server: string): Classified {
  const url = [entry.url, entry.serverUrl, entry.httpUrl].find((u): u is string => typeof u === 'string');
  if (url) return fromUrl(server, url, isRecord(entry.headers) ? entry.headers : {}, typeof entry.type === 'string' ? entry.type : undefined);
  const command = typeof entry.command === 'string' ? entry.command : undefined;
  const args = Array.isArray(entry.args) ? entry.args.filter((a): a is string => typeof a === 'string') : [];
  const env = isRecord(entry.env) ? Object.fromEntries(Object.entries(entry.env).filter((e): e is [string, string] => typeof e[1] === 'string')) : {};
  if (!command) return { kind: 'other', summary: 'no command', skipped: 'it has neither a command nor a URL', secrets: [] };
  if (args.length >= 2 && args[args.length - 2] === 'connect') return { kind: 'berth', summary: `berth connect ${args[args.length - 1]}`, skipped: 'it is served by Berth already', secrets: [] };
  const program = path.basename(command).replace(/\.(?:cmd|exe)$/i, '');
  if (program === 'npx') return fromNpx(args, env);
  if (program === 'uvx') {
    const pkg = args.find((a) => !a.startsWith('-')) ?? '?';
    return { kind: 'python', summary: `pypi ${pkg}`, skipped: pythonUnbuildable(`uvx ${pkg}`), secrets: [] };
  }
  if (program === 'docker' && args[0] === 'run') return fromDockerRun(args.slice(1), env);
  return { kind: 'other', summary: [command, ...args].join(' '), skipped: `it runs ${program} on the host; Berth imports npx, uvx and docker run entries`, secrets: [] };
}

/**
 * A hosted server: a `remote:` spec. A header that holds a credential (Authorization, a name like
 * a secret's, or a value the secret scan knows) moves to Berth's secret store, referenced by name.
 */
function fromUrl(server: string, url: string, rawHeaders: Record<string, unknown>, type: string | undefined): Classified {
  const secretValues: Record<string, string> = {};
  const headers: RemoteHeader[] = [];
  for (const [name, value] of Object.entries(rawHeaders)) {
    if (typeof value !== 'string') continue;
    const secret = /^(?:authorization|proxy-authorization|cookie)$/i.test(name) || SECRET_ENV_NAME.test(name.replace(/-/g, '_')) || scanText(value).length > 0;
    if (secret) secretValues[headerSecretName(server, name)] = value;
    headers.push({ name, value: secret ? undefined : value, isSecret: secret });
  }
  const converted = remoteSpecOf(server, url, type === 'sse' ? 'sse' : undefined, headers);
  if ('refuse' in converted) return { kind: 'remote', summary: `remote ${url}`, skipped: converted.refuse, secrets: [] };
  return { kind: 'remote', summary: `remote ${url}${headers.length ? `; headers ${headers.map((h) => h.name).join(', ')}` : ''}`, secrets: converted.secrets, secretValues, spec: converted.spec };
}

/** Flags npx takes before the package that change nothing Berth builds. */
const NPX_QUIET_FLAGS = new Set(['-y', '--yes', '-q', '--quiet', '--no-install', '--prefer-offline', '--prefer-online']);

function fromNpx(args: string[], env: Record<string, string>): Classified {
  let i = 0;
  while (i < args.length && NPX_QUIET_FLAGS.has(args[i] ?? '')) i++;
  const spec = args[i];
  if (spec === undefined || spec.startsWith('-')) {
    return { kind: 'other', summary: `npx ${args.join(' ')}`, skipped: `npx is run with ${spec ?? 'no package'}, which Berth does not read (it imports \`npx -y PACKAGE[@VERSION] ARGS…\`)`, secrets: [] };
  }
  const at = spec.indexOf('@', 1);
  const pkg = at > 0 ? spec.slice(0, at) : spec;
  const version = at > 0 ? spec.slice(at + 1) : undefined;
  if (!NpmPackage.safeParse(pkg).success) return { kind: 'other', summary: `npx ${spec}`, skipped: `${JSON.stringify(pkg)} is not an npm package name`, secrets: [] };
  const pinned = version && version !== 'latest' ? version : undefined;
  const { plain, secrets, secretValues } = splitSecrets(env);
  const rest = args.slice(i + 1);
  const spec_: Partial<ServerSpecInput> = {
    image: npmImageTag(pkg, pinned),
    build: { npm: pkg, ...(pinned ? { version: pinned } : {}) },
    ...(rest.length ? { args: rest } : {}),
    ...(Object.keys(plain).length ? { env: plain } : {}),
    ...(secrets.length ? { secrets } : {}),
  };
  return { kind: 'npm', summary: `npm ${pkg}${pinned ? `@${pinned}` : ''}${rest.length ? ` ${rest.join(' ')}` : ''}`, secrets, secretValues, spec: spec_ };
}

/** docker run's flags that carry no meaning for a Berth container (Berth attaches, removes and names it itself). */
const DOCKER_IGNORED = new Set(['-i', '--interactive', '-t', '--tty', '-it', '--rm', '--init']);
const DOCKER_IGNORED_WITH_VALUE = new Set(['--name', '--pull']);

function fromDockerRun(args: string[], clientEnv: Record<string, string>): Classified {
  const env: Record<string, string> = {};
  const volumes: z.infer<typeof VolumeSpec>[] = [];
  let network: 'none' | 'bridge' | undefined;
  const refuse = (why: string): Classified => ({ kind: 'other', summary: `docker run ${args.join(' ')}`, skipped: why, secrets: [] });
  let i = 0;
  for (; i < args.length; i++) {
    const raw = args[i] ?? '';
    if (!raw.startsWith('-')) break;
    const eq = raw.indexOf('=');
    const flag = raw.startsWith('--') && eq > 0 ? raw.slice(0, eq) : raw;
    const value = (): string | undefined => (raw.startsWith('--') && eq > 0 ? raw.slice(eq + 1) : args[++i]);
    if (DOCKER_IGNORED.has(flag)) continue;
    if (DOCKER_IGNORED_WITH_VALUE.has(flag)) {
      value();
      continue;
    }
    if (flag === '-e' || flag === '--env') {
      const v = value() ?? '';
      const at = v.indexOf('=');
      const name = at >= 0 ? v.slice(0, at) : v;
      // `-e NAME` passes the client's own value of NAME through.
      const val = at >= 0 ? v.slice(at + 1) : clientEnv[name];
      if (!EnvKey.safeParse(name).success) return refuse(`its env ${JSON.stringify(name)} is not a variable name`);
      if (val !== undefined) env[name] = val;
    } else if (flag === '-v' || flag === '--volume') {
      const [source = '', target = '', mode] = (value() ?? '').split(':');
      if (!path.isAbsolute(source) || !path.isAbsolute(target)) return refuse(`its volume ${source}:${target} is not a host folder bound by absolute paths (named volumes are not imported)`);
      volumes.push({ source, target, readOnly: mode === 'ro' });
    } else if (flag === '--network' || flag === '--net') {
      const n = value();
      if (n !== 'none' && n !== 'bridge') return refuse(`it uses --network ${n}, which Berth does not give a server (none, bridge, or an egress allowlist)`);
      network = n;
    } else {
      return refuse(`docker run ${flag} is not a flag Berth imports`);
    }
  }
  const image = args[i];
  if (!image || !ImageRef.safeParse(image).success) return refuse(`${JSON.stringify(image ?? '')} is not an image reference Berth accepts`);
  const rest = args.slice(i + 1);
  const { plain, secrets, secretValues } = splitSecrets(env);
  const summary = [
    `image ${image}`,
    Object.keys(plain).length ? `env ${Object.keys(plain).join(', ')}` : '',
    volumes.length ? `mounts ${volumes.map((v) => `${v.source}→${v.target}${v.readOnly ? ' (ro)' : ''}`).join(', ')}` : '',
    `network ${network ?? 'none'}`,
  ].filter(Boolean).join('; ');
  return {
    kind: 'image',
    summary,
    secrets,
    secretValues,
    spec: {
      image,
      ...(rest.length ? { args: rest } : {}),
      ...(Object.keys(plain).length ? { env: plain } : {}),
      ...(secrets.length ? { secrets } : {}),
      ...(volumes.length ? { volumes } : {}),
      ...(network ? { network } : {}),
    },
  };
}

/** Env that is, or is named for, a secret moves to Berth's secret store; the spec names it only. */
function splitSecrets(env: Record<string, string>): { plain: Record<string, string>; secrets: string[]; secretValues: Record<string, string> } {
  const plain: Record<string, string> = {};
  const secretValues: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v !== '' && SECRET_NAME.test(k) && (SECRET_ENV_NAME.test(k) || scanText(v).length)) secretValues[k] = v;
    else plain[k] = v;
  }
  return { plain, secrets: Object.keys(secretValues), secretValues };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
