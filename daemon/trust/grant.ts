import { createHash } from 'node:crypto';
import { canonicalJson } from '../protocol/canonicalJson.js';
import { Limits, Security, type ServerSpec } from '../protocol/spec.js';
import type { WorkspaceGrant } from '../protocol/trust.js';
import { LOCAL_HOST } from '../protocol/hosts.js';
import { parseCpus, parseMemory } from '../servers/units.js';

const HARDENED = Security.parse({});
const DEFAULT_LIMITS = Limits.parse({});

/** What a server's spec would get from the user if it ran: the parts a workspace approval is pinned to. */
export function grantOf(spec: ServerSpec): WorkspaceGrant {
  return {
    source: sourceOf(spec),
    host: spec.host,
    mounts: spec.volumes.map((v) => ({ source: v.source, target: v.target, readOnly: v.readOnly })),
    network: spec.network,
    secrets: [...spec.secrets].sort(),
    relaxations: relaxationsOf(spec),
  };
}

/** The hash an approval is pinned to: equal grants, equal hashes, whatever order the file wrote them in. */
export function grantHash(grant: WorkspaceGrant): string {
  return createHash('sha256').update(canonicalJson(grant)).digest('hex').slice(0, 32);
}

/** One line per thing the server would get, for a person deciding whether to approve it. */
export function describeGrant(grant: WorkspaceGrant): string[] {
  const network =
    grant.network === 'none'
      ? 'network: none (no network at all)'
      : grant.network === 'bridge'
        ? 'network: bridge (the engine\'s network: the internet and this machine\'s other containers)'
        : `network: only ${grant.network.allow.join(', ')} (egress allowlist)`;
  return [
    grant.source,
    ...(grant.host === LOCAL_HOST ? [] : [`runs on your host ${grant.host}`]),
    ...grant.mounts.map((m) => `mount ${m.source} at ${m.target} (${m.readOnly ? 'read-only' : 'rw: it may write there'})`),
    network,
    ...(grant.secrets.length ? [`your secrets: ${grant.secrets.join(', ')}`] : []),
    ...grant.relaxations,
  ];
}

function sourceOf(spec: ServerSpec): string {
  if (spec.remote) return `remote server ${spec.remote.url}`;
  if (spec.external) return `command on this machine: ${spec.external.command}`;
  const b = spec.build;
  if (!b) return `image ${spec.image ?? ''}`;
  if ('npm' in b) return `npm package ${b.npm}${b.version ? `@${b.version}` : ''}, built into an image`;
  if ('git' in b) return `image built from git ${b.git}${b.ref ? ` at ${b.ref}` : ''}${b.path ? ` (${b.path})` : ''}`;
  return `image built from the folder ${b.folder}`;
}

/**
 * Each hardening default the spec gives up, and each limit it raises (a lowered one takes nothing
 * from the user). The forbidden ones (noNewPrivileges, capAdd) are refused before this is asked.
 */
function relaxationsOf(spec: ServerSpec): string[] {
  const out: string[] = [];
  const { user, readOnlyRootfs } = spec.security;
  if (user !== HARDENED.user) out.push(isRoot(user) ? `runs as root (user ${user})` : `runs as user ${user} (not the default ${HARDENED.user})`);
  if (!readOnlyRootfs) out.push('a writable root filesystem (readOnlyRootfs: false)');
  const { memory, cpus, pids } = spec.limits;
  if (parseMemory(memory) > parseMemory(DEFAULT_LIMITS.memory)) out.push(`memory limit raised to ${memory} (default ${DEFAULT_LIMITS.memory})`);
  if (parseCpus(cpus) > parseCpus(DEFAULT_LIMITS.cpus)) out.push(`CPU limit raised to ${cpus} (default ${DEFAULT_LIMITS.cpus})`);
  if (pids > DEFAULT_LIMITS.pids) out.push(`process limit raised to ${pids} (default ${DEFAULT_LIMITS.pids})`);
  return out;
}

function isRoot(user: string): boolean {
  const [name] = user.split(':');
  return name === '0' || name === 'root';
}
