import { z } from 'zod';
import { LABEL } from '../../servers/labels.js';
import { cutNote, firstItems } from '../bounded.js';
import { defineTool, ToolFailure, type ToolRun } from '../tool.js';
import { AGENT_LABELS, checkHostPath, inScope, ContainerPath, ContainerRef, engineCall, engineOf, findContainer, type FoundContainer, Labels, ObjectName, ownerOf, refuseSupervised, scopeFilter, type ServerWay, shortId, statusCode, UserLabels } from './engine.js';
import { ImageRef } from './imageRef.js';
import { AgentObjectName, berthIdentityLabels, ImageLabels } from './namespace.js';

const Owner = z.enum(['berth-server', 'agent', 'other']).describe('berth-server: one of Berth\'s MCP servers (manage it with the docker_*_server tools); agent: made through these tools; other: not Berth\'s');

const Summary = z.object({
  id: z.string(),
  name: z.string(),
  image: z.string(),
  state: z.string(),
  status: z.string(),
  owner: Owner,
  server: z.string().optional(),
});
const ListedContainer = z.object({ Id: z.string(), Names: z.array(z.string()), Image: z.string(), State: z.string(), Status: z.string(), Labels });

export const listContainers = defineTool({
  name: 'list_containers',
  title: 'List containers',
  description: 'Lists the containers on a host: only the ones Berth manages unless the scope is "all". Running and stopped ones, newest first.',
  input: z.object({
    running_only: z.boolean().default(false).describe('Only running containers'),
    name: z.string().max(200).optional().describe('Only containers whose name contains this'),
    limit: z.number().int().min(1).max(500).default(100),
  }),
  output: z.object({ containers: z.array(Summary), total: z.number(), truncated: z.boolean() }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async run(args, run) {
    const docker = engineOf(run);
    const filters = { ...scopeFilter(run), ...(args.name ? { name: [args.name] } : {}) };
    const raw = await engineCall('listing containers', () => docker.listContainers({ all: !args.running_only, filters }));
    const all = z.array(ListedContainer).parse(raw).filter((c) => inScope(c.Labels, run)).map((c) => summary(c));
    const { value, truncated } = firstItems(all, args.limit);
    const rows = value.map((c) => `${c.id}  ${c.name}  ${c.image}  ${c.status}${c.server ? `  (server ${c.server})` : ''}`);
    const head = `${all.length} container(s) on host ${run.host}${run.settings.scope === 'managed' ? ' managed by Berth' : ''}`;
    return {
      structured: { containers: value, total: all.length, truncated },
      text: [`${head}${all.length ? ':' : '.'}`, ...rows, ...(truncated ? [cutNote('the list', 'raise limit or filter by name')] : [])].join('\n'),
    };
  },
});

function summary(c: z.infer<typeof ListedContainer>): z.infer<typeof Summary> {
  const server = c.Labels[LABEL.server] ?? c.Labels[LABEL.egressFor];
  return { id: shortId(c.Id), name: (c.Names[0] ?? '').replace(/^\//, ''), image: c.Image, state: c.State, status: c.Status, owner: ownerOf(c.Labels), ...(server ? { server } : {}) };
}

const Inspected = z.object({
  Id: z.string(),
  Name: z.string(),
  Created: z.string(),
  RestartCount: z.number().optional(),
  State: z.object({ Status: z.string(), Running: z.boolean(), Paused: z.boolean(), ExitCode: z.number(), OOMKilled: z.boolean(), StartedAt: z.string(), FinishedAt: z.string() }),
  Config: z.object({
    Image: z.string(),
    Labels,
    Env: z.array(z.string()).nullish(),
    Cmd: z.array(z.string()).nullish(),
    Entrypoint: z.array(z.string()).nullish(),
    WorkingDir: z.string().optional(),
    User: z.string().optional(),
  }),
  Mounts: z.array(z.object({ Type: z.string().optional(), Source: z.string().optional(), Name: z.string().optional(), Destination: z.string(), RW: z.boolean() })).nullish(),
  NetworkSettings: z.object({ Networks: z.record(z.string(), z.object({ IPAddress: z.string().optional() })).nullish() }).optional(),
});

export const inspectContainer = defineTool({
  name: 'inspect_container',
  title: 'Inspect a container',
  description: 'Shows one container: state, image, command, mounts, networks, labels, and the names of its environment variables (never their values: they may hold secrets).',
  input: z.object({ container: ContainerRef }),
  output: z.object({
    id: z.string(),
    name: z.string(),
    image: z.string(),
    created: z.string(),
    owner: Owner,
    state: z.object({ status: z.string(), running: z.boolean(), paused: z.boolean(), exitCode: z.number(), oomKilled: z.boolean(), startedAt: z.string(), finishedAt: z.string(), restarts: z.number() }),
    entrypoint: z.array(z.string()),
    cmd: z.array(z.string()),
    workingDir: z.string(),
    user: z.string(),
    envNames: z.array(z.string()),
    mounts: z.array(z.object({ type: z.string(), source: z.string(), destination: z.string(), readOnly: z.boolean() })),
    networks: z.array(z.object({ name: z.string(), ipAddress: z.string() })),
    labels: z.record(z.string(), z.string()),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async run(args, run) {
    const docker = engineOf(run);
    const found = await findContainer(docker, args.container, run);
    const c = Inspected.parse(await engineCall(`inspecting container ${found.name}`, () => docker.getContainer(found.Id).inspect()));
    const structured = {
      id: c.Id,
      name: found.name,
      image: c.Config.Image,
      created: c.Created,
      owner: ownerOf(c.Config.Labels),
      state: { status: c.State.Status, running: c.State.Running, paused: c.State.Paused, exitCode: c.State.ExitCode, oomKilled: c.State.OOMKilled, startedAt: c.State.StartedAt, finishedAt: c.State.FinishedAt, restarts: c.RestartCount ?? 0 },
      entrypoint: c.Config.Entrypoint ?? [],
      cmd: c.Config.Cmd ?? [],
      workingDir: c.Config.WorkingDir ?? '',
      user: c.Config.User ?? '',
      envNames: (c.Config.Env ?? []).map((e) => e.split('=')[0] ?? ''),
      mounts: (c.Mounts ?? []).map((m) => ({ type: m.Type ?? 'bind', source: m.Name ?? m.Source ?? '', destination: m.Destination, readOnly: !m.RW })),
      networks: Object.entries(c.NetworkSettings?.Networks ?? {}).map(([name, n]) => ({ name, ipAddress: n.IPAddress ?? '' })),
      labels: c.Config.Labels,
    };
    const text = [
      `Container ${structured.name} (${shortId(c.Id)}) on host ${run.host}: ${c.State.Status}${c.State.Status === 'exited' ? ` with code ${c.State.ExitCode}` : ''}${c.State.OOMKilled ? ', killed for lack of memory' : ''}.`,
      `Image ${structured.image}; command ${JSON.stringify([...structured.entrypoint, ...structured.cmd])}.`,
      `Networks: ${structured.networks.map((n) => n.name).join(', ') || 'none'}. Mounts: ${structured.mounts.map((m) => `${m.source} → ${m.destination}${m.readOnly ? ' (ro)' : ''}`).join(', ') || 'none'}.`,
    ].join('\n');
    return { structured, text };
  },
});

const Volume = z.object({
  host_path: z.string().min(1).max(4096).describe('An absolute path on the host the container runs on; paths that hold credentials or system files are refused'),
  container_path: ContainerPath,
  read_only: z.boolean().default(true),
});

export const createContainer = defineTool({
  name: 'create_container',
  title: 'Create a container',
  description:
    'Creates (and, with start, starts) a container from an image already on the host. The command is an argument list, never a shell string. It has no network unless one is named, drops no privileges it was not given, and is labelled as Berth-managed, so the managed scope sees it.',
  input: z.object({
    image: ImageRef,
    name: AgentObjectName.optional(),
    command: z.array(z.string().max(4096)).max(100).optional().describe('Arguments after the image\'s entrypoint (its CMD), e.g. ["node", "server.js"]'),
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a variable name'), z.string().max(32_768)).optional(),
    volumes: z.array(Volume).max(16).optional(),
    network: ObjectName.default('none')
      // The host's own network would reach every service the host listens on, loopback ones included.
      .refine((n) => n !== 'host', 'cannot be "host": a container on the host\'s network reaches every service the host keeps to itself; use "bridge" or a network of its own')
      .describe('A network to join: "bridge" for the default one; "none" (the default) for no network'),
    labels: UserLabels,
    memory_mb: z.number().int().min(6).max(1_048_576).optional(),
    cpus: z.number().min(0.01).max(1024).optional(),
    start: z.boolean().default(false),
  }),
  output: z.object({ id: z.string(), name: z.string(), started: z.boolean() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  async run(args, run) {
    const docker = engineOf(run);
    const binds = (args.volumes ?? []).map((v) => `${checkHostPath(v.host_path, run, run.host, 'host path')}:${v.container_path}:${v.read_only ? 'ro' : 'rw'}`);
    await refuseBerthLabelledImage(run, args.image);
    const created = await engineCall(`creating a container from ${args.image}`, async () => {
      try {
        return await docker.createContainer({
          name: args.name,
          Image: args.image,
          Cmd: args.command,
          Env: Object.entries(args.env ?? {}).map(([k, v]) => `${k}=${v}`),
          Labels: { ...args.labels, ...AGENT_LABELS },
          HostConfig: {
            Binds: binds,
            NetworkMode: args.network,
            Memory: args.memory_mb === undefined ? undefined : args.memory_mb * 1024 * 1024,
            NanoCpus: args.cpus === undefined ? undefined : Math.round(args.cpus * 1e9),
            SecurityOpt: ['no-new-privileges'],
          },
        });
      } catch (e) {
        if (statusCode(e) === 404) throw new ToolFailure(`image ${args.image} is not on host ${run.host} (or network ${args.network} is not); pull_image or build_image it first, or name a network list_networks shows`);
        if (statusCode(e) === 409) throw new ToolFailure(`a container named ${args.name ?? ''} already exists on host ${run.host}; pick another name or remove that one`);
        throw e;
      }
    });
    const info = z.object({ Name: z.string() }).parse(await engineCall('inspecting the new container', () => created.inspect()));
    const name = info.Name.replace(/^\//, '');
    if (args.start) await engineCall(`starting container ${name}`, () => created.start());
    return {
      structured: { id: created.id, name, started: args.start },
      text: `Created container ${name} (${shortId(created.id)}) from ${args.image} on host ${run.host}${args.start ? ', and started it' : '; start_container starts it'}.`,
    };
  },
});

/** A container inherits its image's labels: one with Berth's identity labels would pass for a server's (and be adopted, and handed its secrets). */
async function refuseBerthLabelledImage(run: ToolRun, image: string): Promise<void> {
  const raw = await engineCall(`inspecting image ${image}`, () =>
    engineOf(run)
      .getImage(image)
      .inspect()
      .catch((e: unknown) => {
        if (statusCode(e) === 404) return undefined;
        throw e;
      }),
  );
  if (raw === undefined) return;
  const identity = berthIdentityLabels(ImageLabels.parse(raw).Config?.Labels ?? {});
  if (identity.length) throw new ToolFailure(`image ${image} carries Berth's own label(s) ${identity.join(', ')}, which a container made from it would inherit; use another image; nothing was created`);
}

/** A change of one container's state: found in scope, refused for Berth's own servers, then done. */
function lifecycle<I extends z.ZodObject<{ container: typeof ContainerRef }>>(o: {
  name: string;
  title: string;
  description: string;
  verb: string;
  past: string;
  destructive: boolean;
  idempotent: boolean;
  input: I;
  /** How a server's container is given this change instead, when there is a way. */
  instead?: ServerWay;
  act(c: FoundContainer, run: ToolRun, args: z.output<I>): Promise<unknown>;
}) {
  return defineTool({
    name: o.name,
    title: o.title,
    description: o.description,
    input: o.input,
    output: z.object({ id: z.string(), name: z.string(), state: z.string() }),
    annotations: { readOnlyHint: false, destructiveHint: o.destructive, idempotentHint: o.idempotent },
    precheck: async (args, run) => refuseSupervised(await findContainer(engineOf(run), args.container, run), `${o.verb} it`, o.instead),
    confirm: o.destructive ? (args, host) => `${o.verb[0]?.toUpperCase()}${o.verb.slice(1)} container ${args.container} on host ${host}?` : undefined,
    async run(args, run) {
      const docker = engineOf(run);
      const c = await findContainer(docker, args.container, run);
      refuseSupervised(c, `${o.verb} it`, o.instead);
      await engineCall(`trying to ${o.verb} container ${c.name}`, () => o.act(c, run, args));
      const after = await findContainer(docker, c.Id, run);
      return { structured: { id: shortId(c.Id), name: c.name, state: after.State.Status }, text: `${o.past} container ${c.name} on host ${run.host}; it is ${after.State.Status} now.` };
    },
  });
}

const Plain = z.object({ container: ContainerRef });
const WithTimeout = z.object({ container: ContainerRef, timeout_seconds: z.number().int().min(0).max(300).default(10).describe('Seconds to wait after SIGTERM before SIGKILL') });

/** The engine answers 304 when the container is already in the state asked for: that is success. */
function unlessAlready(e: unknown): void {
  if (statusCode(e) !== 304) throw e;
}

export const startContainer = lifecycle({
  name: 'start_container',
  title: 'Start a container',
  description: 'Starts a stopped container. Berth\'s own MCP servers are started with docker_start_server instead.',
  verb: 'start',
  past: 'Started',
  destructive: false,
  idempotent: true,
  input: Plain,
  instead: { tool: 'docker_start_server', verb: 'start' },
  act: (c, run) => engineOf(run).getContainer(c.Id).start().catch(unlessAlready),
});

export const stopContainer = lifecycle({
  name: 'stop_container',
  title: 'Stop a container',
  description: 'Stops a running container: SIGTERM, then SIGKILL after the timeout. Berth\'s own MCP servers are stopped with docker_stop_server instead.',
  verb: 'stop',
  past: 'Stopped',
  destructive: true,
  idempotent: true,
  input: WithTimeout,
  instead: { tool: 'docker_stop_server', verb: 'stop' },
  act: (c, run, a) => engineOf(run).getContainer(c.Id).stop({ t: a.timeout_seconds }).catch(unlessAlready),
});

export const restartContainer = lifecycle({
  name: 'restart_container',
  title: 'Restart a container',
  description: 'Stops (SIGTERM, then SIGKILL after the timeout) and starts a container again. Berth\'s own MCP servers are restarted with docker_restart_server instead.',
  verb: 'restart',
  past: 'Restarted',
  destructive: true,
  idempotent: false,
  input: WithTimeout,
  instead: { tool: 'docker_restart_server', verb: 'restart' },
  act: (c, run, a) => engineOf(run).getContainer(c.Id).restart({ t: a.timeout_seconds }),
});

export const pauseContainer = lifecycle({
  name: 'pause_container',
  title: 'Pause a container',
  description: 'Freezes every process of a running container (cgroup freezer); unpause_container lets them go on where they were.',
  verb: 'pause',
  past: 'Paused',
  destructive: false,
  idempotent: true,
  input: Plain,
  act: async (c, run) => {
    if (c.State.Status !== 'paused') await engineOf(run).getContainer(c.Id).pause();
  },
});

export const unpauseContainer = lifecycle({
  name: 'unpause_container',
  title: 'Unpause a container',
  description: 'Lets the processes of a paused container go on.',
  verb: 'unpause',
  past: 'Unpaused',
  destructive: false,
  idempotent: true,
  input: Plain,
  act: async (c, run) => {
    if (c.State.Status === 'paused') await engineOf(run).getContainer(c.Id).unpause();
  },
});

export const removeContainer = defineTool({
  name: 'remove_container',
  title: 'Remove a container',
  description: 'Removes a container and its anonymous volumes. A running one is refused unless force is set. Berth\'s own MCP servers are removed with docker_remove_server instead.',
  input: z.object({ container: ContainerRef, force: z.boolean().default(false).describe('Kill it first if it is running') }),
  output: z.object({ id: z.string(), name: z.string(), removed: z.boolean() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  precheck: async (args, run) => refuseSupervised(await findContainer(engineOf(run), args.container, run), 'remove it', { tool: 'docker_remove_server', verb: 'rm' }),
  confirm: (args, host) => `Remove container ${args.container} on host ${host}${args.force ? ', killing it if it runs' : ''}?`,
  async run(args, run) {
    const docker = engineOf(run);
    const c = await findContainer(docker, args.container, run);
    refuseSupervised(c, 'remove it', { tool: 'docker_remove_server', verb: 'rm' });
    if (c.State.Running && !args.force) throw new ToolFailure(`container ${c.name} is running; stop_container it first, or pass force: true to kill and remove it`);
    await engineCall(`removing container ${c.name}`, () => docker.getContainer(c.Id).remove({ force: args.force, v: true }));
    return { structured: { id: shortId(c.Id), name: c.name, removed: true }, text: `Removed container ${c.name} on host ${run.host}.` };
  },
});
