import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import SSHConfig from 'ssh-config';
import { z } from 'zod';

/** `ssh://[user@]host[:port]`, nothing else: no password, path, query or fragment. */
export const SshUrl = z
  .string()
  .max(500)
  .transform((s, ctx) => {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      ctx.addIssue({ code: 'custom', message: `"${s}" is not a URL; expected ssh://user@host[:port]` });
      return z.NEVER;
    }
    const problem =
      u.protocol !== 'ssh:' ? 'the scheme must be ssh://'
      : !u.hostname ? 'it names no host'
      : u.password ? 'it must not carry a password (Berth uses keys and the SSH agent)'
      : (u.pathname && u.pathname !== '/') || u.search || u.hash ? 'it must not have a path, query or fragment'
      : undefined;
    if (problem) {
      ctx.addIssue({ code: 'custom', message: `"${s}": ${problem}; expected ssh://user@host[:port]` });
      return z.NEVER;
    }
    return {
      host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: u.port ? Number(u.port) : undefined,
      user: u.username ? decodeURIComponent(u.username) : undefined,
    };
  });
export type SshUrl = z.output<typeof SshUrl>;

const Strings = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : [v]));

/** What Berth reads from `ssh-config`'s computed result for one host (keys lower-cased first). */
const Computed = z.object({
  hostname: z.string().optional(),
  port: z.coerce.number().int().min(1).max(65535).optional(),
  user: z.string().optional(),
  identityfile: Strings.optional(),
  identitiesonly: z.string().optional(),
  identityagent: z.string().optional(),
  proxyjump: z.string().optional(),
  userknownhostsfile: Strings.optional(),
  hostkeyalias: z.string().optional(),
  connecttimeout: z.coerce.number().int().min(1).optional(),
});

/** Everything needed to reach one host, with ~/.ssh/config applied. */
export interface SshTarget {
  /** What the user called it (an alias from ~/.ssh/config, or the host itself). */
  alias: string;
  host: string;
  port: number;
  user: string;
  identityFiles: string[];
  identitiesOnly: boolean;
  /** The agent socket to use, if any: IdentityAgent, else SSH_AUTH_SOCK. */
  agent: string | undefined;
  /** Extra known_hosts files named by the config. */
  knownHostsFiles: string[];
  /** The name host keys are recorded under: HostKeyAlias, else the host and port. */
  keyName: { host: string; port: number };
  connectTimeoutMs: number;
  /** Hosts to hop through first, outermost first. */
  jumps: SshTarget[];
}

export interface SshEnv {
  home: string;
  configFile: string;
  agentSocket: string | undefined;
  localUser: string;
}

export function sshEnv(env: NodeJS.ProcessEnv = process.env): SshEnv {
  const home = env.HOME || os.homedir();
  return {
    home,
    configFile: path.join(home, '.ssh', 'config'),
    agentSocket: env.SSH_AUTH_SOCK || undefined,
    localUser: env.USER || os.userInfo().username,
  };
}

const DEFAULT_IDENTITIES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

function expand(p: string, env: SshEnv, vars: { host: string; user: string; port: number }): string {
  const tokens: Record<string, string> = { '%d': env.home, '%u': env.localUser, '%h': vars.host, '%r': vars.user, '%p': String(vars.port), '%%': '%' };
  const out = p.replace(/%[duhrp%]/g, (t) => tokens[t] ?? t);
  return out.startsWith('~/') ? path.join(env.home, out.slice(2)) : out;
}

async function readConfig(file: string): Promise<SSHConfig> {
  const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return '';
    throw new Error(`cannot read ${file}: ${e.message}`);
  });
  try {
    return SSHConfig.parse(text);
  } catch (e) {
    throw new Error(`${file} is not a valid SSH config: ${(e as Error).message}`);
  }
}

function compute(config: SSHConfig, alias: string, file: string): z.output<typeof Computed> {
  const raw: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(config.compute(alias))) {
    const key = k.toLowerCase();
    const prev = raw[key];
    // ssh-config keeps each spelling of a key apart; IdentityFile and friends accumulate, others keep the first.
    if (prev === undefined) raw[key] = v;
    else if (Array.isArray(prev)) raw[key] = [...prev, ...(Array.isArray(v) ? v : [v])];
  }
  const parsed = Computed.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${file}, Host ${alias}: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  return parsed.data;
}

/**
 * Resolves `ssh://user@alias:port` the way `ssh` would: the URL's user and port win, then
 * ~/.ssh/config (Host blocks, HostName, Port, User, IdentityFile, ProxyJump), then defaults.
 */
export async function resolveTarget(url: SshUrl, env: SshEnv = sshEnv()): Promise<SshTarget> {
  const config = await readConfig(env.configFile);
  return resolveWith(config, url, env, true);
}

/** Hops are taken as written: like `ssh -J`, a hop's own ProxyJump is not followed, so a loop cannot happen. */
function resolveWith(config: SSHConfig, url: SshUrl, env: SshEnv, followJumps: boolean): SshTarget {
  const c = compute(config, url.host, env.configFile);
  const host = c.hostname ?? url.host;
  const port = url.port ?? c.port ?? 22;
  const user = url.user ?? c.user ?? env.localUser;
  const vars = { host, user, port };
  const configured = (c.identityfile ?? []).map((f) => expand(f, env, vars));
  const identityFiles = configured.length ? configured : DEFAULT_IDENTITIES.map((f) => path.join(env.home, '.ssh', f));
  const agent = c.identityagent === undefined ? env.agentSocket : c.identityagent.toLowerCase() === 'none' ? undefined : expand(c.identityagent, env, vars);
  const jumps =
    followJumps && c.proxyjump && c.proxyjump.toLowerCase() !== 'none'
      ? c.proxyjump.split(',').map((hop) => resolveWith(config, SshUrl.parse(`ssh://${hop.trim()}`), env, false))
      : [];
  return {
    alias: url.host,
    host,
    port,
    user,
    identityFiles,
    identitiesOnly: c.identitiesonly?.toLowerCase() === 'yes',
    agent,
    knownHostsFiles: (c.userknownhostsfile ?? []).flatMap((f) => f.split(/\s+/)).filter((f) => f && f !== 'none').map((f) => expand(f, env, vars)),
    keyName: c.hostkeyalias ? { host: c.hostkeyalias, port: 22 } : { host, port },
    connectTimeoutMs: (c.connecttimeout ?? 10) * 1000,
    jumps,
  };
}
