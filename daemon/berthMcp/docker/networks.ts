import { z } from 'zod';
import { LABEL } from '../../servers/labels.js';
import { cutNote, firstItems } from '../bounded.js';
import { defineTool, ToolFailure, type ToolRun } from '../tool.js';
import { AgentObjectName } from './namespace.js';
import { AGENT_LABELS, ContainerRef, engineCall, engineOf, findContainer, Labels, ObjectName, ownerOf, refuseSupervised, shortId, statusCode, UserLabels } from './engine.js';

/*
 * Networks are listed in every scope (a container needs to know what it may join). Removing one
 * is limited in the managed scope to networks these tools created; Berth's own (a server's
 * isolated network) are never removed here: their server's supervisor owns them.
 */

const Listed = z.object({ Id: z.string(), Name: z.string(), Driver: z.string(), Scope: z.string(), Internal: z.boolean().optional(), Labels });
const Network = z.object({ id: z.string(), name: z.string(), driver: z.string(), scope: z.string(), internal: z.boolean(), owner: z.enum(['berth-server', 'agent', 'other']) });
const NetworkRef = z.string().min(1).max(200).describe('The network: its name or id');

export const listNetworks = defineTool({
  name: 'list_networks',
  title: 'List networks',
  description: 'Lists the networks on a host.',
  input: z.object({ limit: z.number().int().min(1).max(500).default(100) }),
  output: z.object({ networks: z.array(Network), total: z.number(), truncated: z.boolean() }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async run(args, run) {
    const docker = engineOf(run);
    const all = z
      .array(Listed)
      .parse(await engineCall('listing networks', () => docker.listNetworks()))
      .sort((a, b) => a.Name.localeCompare(b.Name))
      .map((n) => ({ id: shortId(n.Id), name: n.Name, driver: n.Driver, scope: n.Scope, internal: n.Internal ?? false, owner: ownerOf(n.Labels) }));
    const { value, truncated } = firstItems(all, args.limit);
    return {
      structured: { networks: value, total: all.length, truncated },
      text: [`${all.length} network(s) on host ${run.host}:`, ...value.map((n) => `${n.id}  ${n.name}  ${n.driver}${n.internal ? ' (internal)' : ''}`), ...(truncated ? [cutNote('the list', 'raise limit')] : [])].join('\n'),
    };
  },
});

export const createNetwork = defineTool({
  name: 'create_network',
  title: 'Create a network',
  description: 'Creates a bridge network on a host; internal: true gives it no route out. It is labelled as made by Berth\'s tools.',
  input: z.object({ name: AgentObjectName, internal: z.boolean().default(false), labels: UserLabels }),
  output: z.object({ id: z.string(), name: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  async run(args, run) {
    const docker = engineOf(run);
    const existing = await engineCall(`looking for network ${args.name}`, () => docker.listNetworks({ filters: { name: [args.name] } }));
    if (z.array(Listed).parse(existing).some((n) => n.Name === args.name)) throw new ToolFailure(`a network named ${args.name} already exists on host ${run.host}; pick another name`);
    const n = await engineCall(`creating network ${args.name}`, () =>
      docker.createNetwork({ Name: args.name, Driver: 'bridge', Internal: args.internal, Labels: { ...args.labels, ...AGENT_LABELS }, CheckDuplicate: true }),
    );
    return { structured: { id: shortId(n.id), name: args.name }, text: `Created network ${args.name} (${shortId(n.id)}) on host ${run.host}.` };
  },
});

const Inspected = z.object({ Id: z.string(), Name: z.string(), Labels });

async function findNetwork(run: ToolRun, ref: string): Promise<z.infer<typeof Inspected>> {
  const docker = engineOf(run);
  const raw = await engineCall(`inspecting network ${ref}`, () =>
    docker.getNetwork(ref).inspect().catch((e: unknown) => {
      if (statusCode(e) === 404) throw new ToolFailure(`there is no network ${JSON.stringify(ref)} on host ${run.host}; list_networks shows them`);
      throw e;
    }),
  );
  return Inspected.parse(raw);
}

export const removeNetwork = defineTool({
  name: 'remove_network',
  title: 'Remove a network',
  description: 'Removes a network no container is connected to. In the managed scope only networks made with create_network may be removed; a network of one of Berth\'s servers never is.',
  input: z.object({ network: NetworkRef }),
  output: z.object({ id: z.string(), name: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  precheck: async (args, run) => void (await findNetwork(run, args.network)),
  confirm: (args, host) => `Remove network ${args.network} on host ${host}?`,
  async run(args, run) {
    const n = await findNetwork(run, args.network);
    const owner = ownerOf(n.Labels);
    if (owner === 'berth-server') throw new ToolFailure(`network ${n.Name} belongs to Berth's MCP server "${n.Labels[LABEL.egressFor] ?? '?'}"; removing that server (docker_remove_server) removes it`);
    if (owner === 'other' && run.settings.scope === 'managed') throw new ToolFailure(`network ${n.Name} was not made with create_network, and in the managed scope only those may be removed; nothing was changed (the "all" scope lifts this)`);
    await engineCall(`removing network ${n.Name}`, () => engineOf(run).getNetwork(n.Id).remove());
    return { structured: { id: shortId(n.Id), name: n.Name }, text: `Removed network ${n.Name} on host ${run.host}.` };
  },
});

export const connectContainerToNetwork = defineTool({
  name: 'connect_container_to_network',
  title: 'Connect a container to a network',
  description: 'Connects a container to a network, optionally with names (aliases) other containers on it reach it by. Berth\'s own MCP servers keep the networks their specs give them.',
  input: z.object({ container: ContainerRef, network: NetworkRef, aliases: z.array(ObjectName).max(16).optional() }),
  output: z.object({ container: z.string(), network: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  async run(args, run) {
    const docker = engineOf(run);
    const c = await findContainer(docker, args.container, run);
    refuseSupervised(c, 'connect it to a network');
    const n = await findNetwork(run, args.network);
    await engineCall(`connecting ${c.name} to ${n.Name}`, () => docker.getNetwork(n.Id).connect({ Container: c.Id, EndpointConfig: { Aliases: args.aliases } }));
    return { structured: { container: c.name, network: n.Name }, text: `Connected container ${c.name} to network ${n.Name} on host ${run.host}.` };
  },
});

export const disconnectContainer = defineTool({
  name: 'disconnect_container',
  title: 'Disconnect a container from a network',
  description: 'Disconnects a container from a network; its connections through that network drop. Berth\'s own MCP servers keep the networks their specs give them.',
  input: z.object({ container: ContainerRef, network: NetworkRef, force: z.boolean().default(false) }),
  output: z.object({ container: z.string(), network: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  precheck: async (args, run) => {
    refuseSupervised(await findContainer(engineOf(run), args.container, run), 'disconnect it from a network');
    await findNetwork(run, args.network);
  },
  confirm: (args, host) => `Disconnect container ${args.container} from network ${args.network} on host ${host}?`,
  async run(args, run) {
    const docker = engineOf(run);
    const c = await findContainer(docker, args.container, run);
    refuseSupervised(c, 'disconnect it from a network');
    const n = await findNetwork(run, args.network);
    await engineCall(`disconnecting ${c.name} from ${n.Name}`, () => docker.getNetwork(n.Id).disconnect({ Container: c.Id, Force: args.force }));
    return { structured: { container: c.name, network: n.Name }, text: `Disconnected container ${c.name} from network ${n.Name} on host ${run.host}.` };
  },
});
