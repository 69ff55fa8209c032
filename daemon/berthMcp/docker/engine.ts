import type Docker from 'dockerode';
import { z } from 'zod';
import { explainEngineError } from '../../hosts/dockerRuntime.js';
import path from 'node:path';
import { checkMount, isWithin, mountPolicy, resolveExisting, type MountPolicy } from '../../policy/mounts.js';
import { LOCAL_HOST } from '../../protocol/hosts.js';
import { LABEL } from '../../servers/labels.js';
import { ToolFailure, type ToolRun } from '../tool.js';

/*
 * DESIGN.md keeps Docker's API inside hosts/, behind ContainerRuntime. These tools are the
 * exception by purpose: they expose the engine itself to an agent, so they speak its API through
 * `Hosts.engine`, and every rule of Berth's (scope, its own servers, host paths) is applied here.
 */

/** What the Docker tools put on everything they create: Berth-managed (so the managed scope sees it), made by an agent (so no supervisor claims it). */
export const AGENT_LABELS = { [LABEL.managed]: 'true', [LABEL.createdBy]: 'mcp' } as const;

/** Labels as the engine gives them: absent or null means none. */
export const Labels = z.record(z.string(), z.string()).nullish().transform((l) => l ?? {});

/** How every container tool names its container. */
export const ContainerRef = z.string().min(1).max(200).describe('The container: its name, or its id (or an unambiguous start of it)');

/** The host's engine, with a missing or broken host as the one sentence. */
export function engineOf(run: ToolRun): Docker {
  try {
    return run.deps.hosts.engine(run.host);
  } catch (e) {
    throw new ToolFailure((e as Error).message);
  }
}

/** An engine call whose failure (a down host, the engine's refusal) becomes one sentence, with `what` saying which step failed. */
export async function engineCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ToolFailure) throw e;
    throw new ToolFailure(`${what} failed: ${explainEngineError(e).message.replace(/\.$/, '')}`);
  }
}

export function statusCode(e: unknown): number | undefined {
  return (e as { statusCode?: number }).statusCode;
}

/** Who owns a container, network or volume, by its labels. */
export type Owner = 'berth-server' | 'agent' | 'other';

export function ownerOf(labels: Record<string, string>): Owner {
  if (labels[LABEL.instance] !== undefined) return 'berth-server';
  return labels[LABEL.managed] === 'true' ? 'agent' : 'other';
}

/**
 * Whether the settings' scope lets the tools see (and act on) something with these labels. The
 * managed scope is this Berth home's: its servers and what the tools made, never another home's
 * servers (another user's, a test run's), whose logs and files are theirs.
 */
export function inScope(labels: Record<string, string>, run: ToolRun): boolean {
  if (run.settings.scope === 'all') return true;
  const home = labels[LABEL.instance];
  return labels[LABEL.managed] === 'true' && (home === undefined || home === run.deps.registry.instance);
}

/** Engine list filters for the scope: in `managed`, only Berth-labelled containers (inScope then leaves out other homes'). */
export function scopeFilter(run: ToolRun): Record<string, string[]> {
  return run.settings.scope === 'all' ? {} : { label: [`${LABEL.managed}=true`] };
}

const ContainerInspect = z.object({
  Id: z.string(),
  Name: z.string(),
  Config: z.object({ Labels, Tty: z.boolean().optional() }),
  State: z.object({ Status: z.string(), Running: z.boolean() }),
});
export type FoundContainer = z.infer<typeof ContainerInspect> & { name: string };

/**
 * A container the caller may see, by id or name. One outside the scope gets the same sentence as
 * one that does not exist: the managed scope must not tell that another container is there.
 */
export async function findContainer(docker: Docker, ref: string, run: ToolRun): Promise<FoundContainer> {
  const notFound = () => new ToolFailure(`there is no container ${JSON.stringify(ref)} on host ${run.host}${run.settings.scope === 'managed' ? ' among the containers Berth manages' : ''}; list_containers shows them`);
  const raw = await engineCall(`inspecting container ${ref}`, () =>
    docker.getContainer(ref).inspect().catch((e: unknown) => {
      if (statusCode(e) === 404) return undefined;
      throw e;
    }),
  );
  if (raw === undefined) throw notFound();
  const c = ContainerInspect.parse(raw);
  if (!inScope(c.Config.Labels, run)) throw notFound();
  return { ...c, name: c.Name.replace(/^\//, '') };
}

/** What to use instead, for a server's container: the docker_*_server tool and the berth verb that do it through its supervisor. */
export interface ServerWay {
  tool: string;
  verb: string;
}

/** Refuses changing a container one of Berth's servers is supervised in: its supervisor would fight the change. */
export function refuseSupervised(c: FoundContainer, action: string, instead?: ServerWay): void {
  if (ownerOf(c.Config.Labels) !== 'berth-server') return;
  const server = c.Config.Labels[LABEL.server] ?? c.Config.Labels[LABEL.egressFor];
  const which = server ? `Berth's MCP server "${server}"` : "one of Berth's own";
  const how = server && instead ? `${instead.tool} (or \`berth ${instead.verb} ${server}\`)` : "the docker_*_server tools (or the berth CLI), which change a server's spec";
  throw new ToolFailure(`container ${c.name} is ${which}, which Berth supervises, so it will not ${action} here; use ${how} instead`);
}

/**
 * Refuses reaching inside the container of one of Berth's servers, this home's or another's: its
 * stdout is the MCP stream of every client (tool results, tokens the scanner withheld), its
 * environment holds the server's secrets. Its output is read through Berth, which redacts.
 */
export function refuseServerInside(c: FoundContainer, action: string): void {
  if (ownerOf(c.Config.Labels) !== 'berth-server') return;
  const server = c.Config.Labels[LABEL.server] ?? c.Config.Labels[LABEL.egressFor];
  const mine = c.Config.Labels[LABEL.instance] === undefined || server === undefined ? '' : ` (\`berth logs ${server}\`)`;
  throw new ToolFailure(`container ${c.name} is one of Berth's MCP servers${server ? ` ("${server}")` : ''}, whose streams carry every client's results and whose environment holds its secrets, so it will not ${action}; read its output with docker_get_logs${mine} instead`);
}

/**
 * A path on a host's filesystem an agent names: inside one of the roots it is allowed (the
 * workspace folders Berth was given, and `mountRoots` in Berth's MCP settings), and then checked
 * like a spec's volume source: absolute, no `..`, nothing that holds credentials, system files,
 * the engine's socket or Berth's own folders. On the local host symlinks are resolved first (the
 * path and the roots); a remote host's paths are checked as written, against `mountRoots` only.
 */
export function checkHostPath(p: string, run: ToolRun, host: string, what: string): string {
  const local = host === LOCAL_HOST;
  const policy: MountPolicy = local ? mountPolicy(process.env) : { allowSensitive: false, home: '', resolveSymlinks: false };
  const r = checkMount(p, policy);
  // The mount check's own override (a spec field, a CLI flag) does not exist for an agent.
  if (!r.ok) throw new ToolFailure(`${r.reason.replace(/^mount source/, what).replace(/; set volumes\[\].*$/, '')}; nothing was changed`);
  const roots = agentRoots(run, local);
  if (!roots.some((root) => isWithin(r.resolved, root))) {
    const where = roots.length ? `one of the folders it is allowed (${roots.slice(0, 5).join(', ')}${roots.length > 5 ? ', …' : ''})` : 'a folder it is allowed, and none is';
    throw new ToolFailure(`${what} ${JSON.stringify(p)} is not inside ${where}; add its folder to mountRoots in Berth's MCP settings (or --mount-root to berth mcp); nothing was changed`);
  }
  return r.resolved;
}

/** The roots an agent's host paths must lie in: workspace folders (local host only) and the settings' mountRoots. */
function agentRoots(run: ToolRun, local: boolean): string[] {
  const roots = [...(local ? run.deps.registry.listWorkspaces() : []), ...run.settings.mountRoots];
  return [...new Set(roots.map((root) => (local ? resolveExisting(path.resolve(root)) : path.resolve(root))))];
}

/** A path inside a container: absolute, and no `..` (the engine would resolve it, but a caller should say what it means). */
export const ContainerPath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => p.startsWith('/'), 'must be an absolute path inside the container, like /app/data')
  .refine((p) => !p.split('/').includes('..'), 'must not contain ".."');

/** Docker's rule for container, network and volume names, plus no `..` anywhere. */
export const ObjectName = z
  .string()
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/, 'must start with a letter or digit and hold only letters, digits, "_", "." and "-" (at most 128)')
  .refine((n) => !n.includes('..'), 'must not contain ".."');

/** Labels a caller adds; Berth's own (berth.*) are Berth's to set. */
export const UserLabels = z
  .record(z.string().min(1).max(200), z.string().max(1000))
  .refine((l) => Object.keys(l).length <= 32, 'at most 32 labels')
  .refine((l) => Object.keys(l).every((k) => !k.startsWith('berth.')), 'labels starting with "berth." are Berth\'s own')
  .optional();

/** The first 12 characters of an id, as `docker ps` shows it. */
export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}
