import { existsSync, lstatSync, readlinkSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { berthPaths } from '../protocol/paths.js';

/** What a spec sets on one volume to mount a refused host path anyway. */
export const ALLOW_SENSITIVE_FIELD = 'allowSensitive: true';
/** The CLI flag that does the same for `berth add --volume`. */
export const ALLOW_SENSITIVE_FLAG = '--allow-sensitive-mount';

export interface MountPolicy {
  /** The user explicitly accepted mounting a sensitive host path. */
  allowSensitive: boolean;
  /** The user's home folder; `~/.ssh` and friends are found under it. Empty on a remote host, whose homes are not known here. */
  home: string;
  /** Resolve symlinks on this machine's filesystem (false for a remote host's paths). */
  resolveSymlinks?: boolean;
  /** Berth's own folders (spec files, state, secrets, socket); never mountable. */
  berthDirs?: string[];
  /** More refused paths, such as the engine socket DOCKER_HOST names. */
  extra?: string[];
}

export type MountCheck = { ok: true; resolved: string } | { ok: false; reason: string };

/** Home-relative folders that hold credentials. */
const HOME_SECRETS = ['.ssh', '.aws', '.docker', '.kube', '.gnupg', '.config/gcloud', '.azure', '.netrc', '.git-credentials'];
const CREDENTIAL_NAMES = new Set(['.ssh', '.aws', '.docker', '.kube', '.gnupg', '.azure']);
/** System folders a server has no business reading (or, rw, writing). */
const SYSTEM = ['/etc', '/proc', '/sys', '/dev', '/boot', '/var/lib/docker', '/var/lib/containerd', '/var/run/docker.sock', '/run/docker.sock', '/run/containerd', '/var/run/docker', '/run/docker'];

/**
 * Whether a host path may be bind-mounted into a server's container. Symlinks are resolved first
 * (the realpath of the longest prefix that exists, plus the rest), and both the path as written
 * and what it resolves to are checked, segment by segment: `/allowed-evil` is not inside
 * `/allowed`. A path that contains a sensitive folder (`/home/me` holds `~/.ssh`, `/var` holds
 * the Docker socket) is refused too, because mounting it exposes what it contains.
 */
export function checkMount(source: string, opts: MountPolicy): MountCheck {
  const q = JSON.stringify(source);
  if (!path.isAbsolute(source)) return { ok: false, reason: `mount source ${q} is not an absolute path; use a full host path like /home/me/notes` };
  if (source.split(/[\\/]/).includes('..')) return { ok: false, reason: `mount source ${q} contains "..", which is never allowed; write the path without it` };
  if (source.includes('\0')) return { ok: false, reason: `mount source ${q} contains a NUL character` };
  const written = path.resolve(source);
  const resolved = opts.resolveSymlinks === false ? written : resolveExisting(written);
  if (opts.allowSensitive) return { ok: true, resolved };
  const via = resolved === written ? '' : ` (it resolves to ${resolved})`;
  const override = `set volumes[].${ALLOW_SENSITIVE_FIELD} on this volume (or pass ${ALLOW_SENSITIVE_FLAG} to berth add) to mount it anyway`;
  for (const candidate of unique([written, resolved])) {
    const hit = sensitiveHit(candidate, opts);
    if (hit) return { ok: false, reason: `mount source ${q}${via} ${hit}; ${override}` };
  }
  return { ok: true, resolved };
}

/** The policy for this daemon: the user's home, Berth's own folders, the engine socket. */
export function mountPolicy(env: NodeJS.ProcessEnv = process.env, allowSensitive = false): MountPolicy {
  const p = berthPaths(env);
  const berthDirs = env.BERTH_HOME ? [env.BERTH_HOME] : [path.dirname(p.userSpecFile), p.stateDir, path.dirname(p.socket)];
  const dockerHost = env.DOCKER_HOST?.startsWith('unix://') ? [env.DOCKER_HOST.slice('unix://'.length)] : [];
  return { allowSensitive, home: os.homedir(), berthDirs, extra: dockerHost };
}

/** Which rule refuses `p`, as the end of a sentence; undefined when none does. */
function sensitiveHit(p: string, opts: MountPolicy): string | undefined {
  if (p === '/') return 'is the root of the host filesystem';
  const home = opts.home ? path.resolve(opts.home) : undefined;
  const rules: [string, string][] = [
    ...(home === undefined ? [] : HOME_SECRETS.map((s): [string, string] => [path.join(home, s), `~/${s} holds credentials`])),
    ...SYSTEM.map((s): [string, string] => [s, `${s} is a host system path`]),
    ...(opts.extra ?? []).map((s): [string, string] => [s, `${s} is the Docker engine's socket`]),
    ...(opts.berthDirs ?? []).map((s): [string, string] => [s, `${s} is Berth's own folder (spec files, state, secrets)`]),
  ];
  // /root is another user's home unless it is this user's.
  if (home !== undefined && home !== '/root') rules.push(['/root', "/root is the root user's home"]);
  for (const [rule, why] of rules) {
    for (const r of unique([rule, opts.resolveSymlinks === false ? rule : resolveExisting(rule)])) {
      if (isWithin(p, r)) return `is ${p === r ? '' : 'inside '}${r}, and ${why}`;
      if (isWithin(r, p)) return `contains ${r}, and ${why}`;
    }
  }
  if (isDockerSocket(p)) return 'is a Docker engine socket, which gives whoever holds it root on the host';
  // Another user's credentials (or this one's, reached some other way) are refused by their folder's name.
  const segment = p.split(path.sep).find((s) => CREDENTIAL_NAMES.has(s));
  if (segment) return `has a ${segment} folder in it, which holds credentials`;
  return undefined;
}

/** Any `*.sock` named for Docker or containerd, wherever it lives (rootless sockets too). */
function isDockerSocket(p: string): boolean {
  const base = path.basename(p).toLowerCase();
  return base.endsWith('.sock') && /docker|containerd|podman/.test(base);
}

/** Segment-wise containment: `/a/b` is within `/a`; `/a-evil` is not; `/a/..x` (a folder named `..x`) is. */
export function isWithin(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return !path.isAbsolute(rel) && rel.split(path.sep)[0] !== '..';
}

/**
 * The realpath of the longest existing prefix, with the rest appended as written. A dangling
 * symlink is followed by hand, since Docker would follow it too once its target appears.
 */
/**
 * The sentence for a local volume whose source is missing: the engine would make an empty
 * root-owned folder in its place, and a typo would become an empty server.
 */
export function missingSource(server: string, volumes: readonly { source: string }[]): string | undefined {
  const missing = volumes.find((v) => !existsSync(v.source));
  return missing && `the volume source ${missing.source} of ${server} does not exist on this machine; create it or correct the path (Berth does not let the engine make an empty folder in its place)`;
}

export function resolveExisting(p: string, depth = 0): string {
  const abs = path.resolve(p);
  let head = abs;
  const tail: string[] = [];
  while (!lstatSync(head, { throwIfNoEntry: false })) {
    const parent = path.dirname(head);
    if (parent === head) break;
    tail.unshift(path.basename(head));
    head = parent;
  }
  try {
    return path.join(realpathSync(head), ...tail);
  } catch {
    try {
      if (lstatSync(head).isSymbolicLink() && depth < 40) {
        const target = path.resolve(resolveExisting(path.dirname(head), depth + 1), readlinkSync(head));
        return resolveExisting(path.join(target, ...tail), depth + 1);
      }
    } catch {
      // Unreadable (a permission, /proc's magic links): checked as written.
    }
    return abs;
  }
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}
