import { z } from 'zod';
import { cutNote, firstItems } from '../bounded.js';
import { defineTool, ToolFailure, type ToolRun } from '../tool.js';
import { AgentObjectName } from './namespace.js';
import { AGENT_LABELS, engineCall, inScope, engineOf, Labels, ObjectName, ownerOf, scopeFilter, statusCode, UserLabels } from './engine.js';

/*
 * Volumes are listed and inspected in every scope. Removing one is limited in the managed scope
 * to volumes these tools created: a volume may be the only copy of someone's data.
 */

const Raw = z.object({ Name: z.string(), Driver: z.string(), Mountpoint: z.string(), CreatedAt: z.string().optional(), Scope: z.string().optional(), Labels });
const Volume = z.object({ name: z.string(), driver: z.string(), owner: z.enum(['berth-server', 'agent', 'other']) });
const VolumeName = ObjectName.describe('The volume\'s name');

export const listVolumes = defineTool({
  name: 'list_volumes',
  title: 'List volumes',
  description: 'Lists the volumes on a host.',
  input: z.object({ limit: z.number().int().min(1).max(500).default(100) }),
  output: z.object({ volumes: z.array(Volume), total: z.number(), truncated: z.boolean() }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async run(args, run) {
    const docker = engineOf(run);
    const raw = z.object({ Volumes: z.array(Raw).nullish() }).parse(await engineCall('listing volumes', () => docker.listVolumes()));
    const all = (raw.Volumes ?? []).sort((a, b) => a.Name.localeCompare(b.Name)).map((v) => ({ name: v.Name, driver: v.Driver, owner: ownerOf(v.Labels) }));
    const { value, truncated } = firstItems(all, args.limit);
    return {
      structured: { volumes: value, total: all.length, truncated },
      text: [`${all.length} volume(s) on host ${run.host}${all.length ? ':' : '.'}`, ...value.map((v) => `${v.name}  ${v.driver}`), ...(truncated ? [cutNote('the list', 'raise limit')] : [])].join('\n'),
    };
  },
});

async function findVolume(run: ToolRun, name: string): Promise<z.infer<typeof Raw>> {
  const raw = await engineCall(`inspecting volume ${name}`, () =>
    engineOf(run)
      .getVolume(name)
      .inspect()
      .catch((e: unknown) => {
        if (statusCode(e) === 404) throw new ToolFailure(`there is no volume ${JSON.stringify(name)} on host ${run.host}; list_volumes shows them`);
        throw e;
      }),
  );
  return Raw.parse(raw);
}

export const createVolume = defineTool({
  name: 'create_volume',
  title: 'Create a volume',
  description: 'Creates a named local volume on a host, labelled as made by Berth\'s tools.',
  input: z.object({ name: AgentObjectName.describe('The volume\'s name'), labels: UserLabels }),
  output: z.object({ name: z.string(), mountpoint: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  async run(args, run) {
    const docker = engineOf(run);
    // The engine answers a create of an existing name with that volume, whoever made it.
    const exists = await engineCall(`looking for volume ${args.name}`, () =>
      docker
        .getVolume(args.name)
        .inspect()
        .then(() => true)
        .catch((e: unknown) => {
          if (statusCode(e) === 404) return false;
          throw e;
        }),
    );
    if (exists) throw new ToolFailure(`a volume named ${args.name} already exists on host ${run.host}; pick another name`);
    await engineCall(`creating volume ${args.name}`, () => docker.createVolume({ Name: args.name, Driver: 'local', Labels: { ...args.labels, ...AGENT_LABELS } }));
    const v = await findVolume(run, args.name);
    return { structured: { name: v.Name, mountpoint: v.Mountpoint }, text: `Created volume ${v.Name} on host ${run.host}.` };
  },
});

export const inspectVolume = defineTool({
  name: 'inspect_volume',
  title: 'Inspect a volume',
  description: 'Shows one volume: driver, where it lives on the host, when it was made, its labels, and the containers (in scope) that use it.',
  input: z.object({ name: VolumeName }),
  output: z.object({ name: z.string(), driver: z.string(), mountpoint: z.string(), created: z.string(), owner: z.enum(['berth-server', 'agent', 'other']), labels: z.record(z.string(), z.string()), usedBy: z.array(z.string()) }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async run(args, run) {
    const v = await findVolume(run, args.name);
    const users = await engineCall(`finding the containers that use ${v.Name}`, () =>
      engineOf(run).listContainers({ all: true, filters: { volume: [v.Name], ...scopeFilter(run) } }),
    );
    const usedBy = z.array(z.object({ Names: z.array(z.string()), Labels })).parse(users).filter((c) => inScope(c.Labels, run)).map((c) => (c.Names[0] ?? '').replace(/^\//, ''));
    return {
      structured: { name: v.Name, driver: v.Driver, mountpoint: v.Mountpoint, created: v.CreatedAt ?? '', owner: ownerOf(v.Labels), labels: v.Labels, usedBy },
      text: `Volume ${v.Name} on host ${run.host}: ${v.Driver} at ${v.Mountpoint}; used by ${usedBy.join(', ') || 'no container'}${run.settings.scope === 'managed' ? ' Berth manages' : ''}.`,
    };
  },
});

export const removeVolume = defineTool({
  name: 'remove_volume',
  title: 'Remove a volume',
  description: 'Removes a volume and all data in it. In the managed scope only volumes made with create_volume may be removed. A volume a container uses is refused.',
  input: z.object({ name: VolumeName }),
  output: z.object({ name: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  precheck: async (args, run) => void (await findVolume(run, args.name)),
  confirm: (args, host) => `Remove volume ${args.name} on host ${host}, with all data in it?`,
  async run(args, run) {
    const v = await findVolume(run, args.name);
    if (run.settings.scope === 'managed' && ownerOf(v.Labels) !== 'agent') {
      throw new ToolFailure(`volume ${v.Name} was not made with create_volume, and in the managed scope only those may be removed; nothing was changed (the "all" scope lifts this)`);
    }
    await engineCall(`removing volume ${v.Name}`, () => engineOf(run).getVolume(v.Name).remove());
    return { structured: { name: v.Name }, text: `Removed volume ${v.Name} on host ${run.host}.` };
  },
});
