import { z } from 'zod';
import { defineTool, type ToolRun } from '../tool.js';
import { engineCall, engineOf, inScope, Labels, scopeFilter } from './engine.js';

const Info = z.object({
  Name: z.string(),
  ServerVersion: z.string(),
  OperatingSystem: z.string(),
  KernelVersion: z.string(),
  Architecture: z.string(),
  NCPU: z.number(),
  MemTotal: z.number(),
  Images: z.number(),
  Driver: z.string(),
  DockerRootDir: z.string(),
});

const Counts = z.object({ total: z.number(), running: z.number(), paused: z.number(), stopped: z.number() });

/** Container counts within the scope: the managed scope does not tell how many others there are. */
async function containerCounts(run: ToolRun): Promise<z.infer<typeof Counts>> {
  const listed = z.array(z.object({ State: z.string(), Labels })).parse(await engineCall('counting containers', () => engineOf(run).listContainers({ all: true, filters: scopeFilter(run) })));
  const list = listed.filter((c) => inScope(c.Labels, run));
  const n = (s: string) => list.filter((c) => c.State === s).length;
  return { total: list.length, running: n('running'), paused: n('paused'), stopped: list.length - n('running') - n('paused') };
}

export const getDockerInfo = defineTool({
  name: 'get_docker_info',
  title: 'Docker engine facts',
  description: 'The engine of a host: version, operating system, kernel, CPUs, memory, storage driver and root folder, and its containers (in scope) by state.',
  input: z.object({}),
  output: z.object({
    name: z.string(),
    version: z.string(),
    apiVersion: z.string(),
    os: z.string(),
    kernel: z.string(),
    architecture: z.string(),
    cpus: z.number(),
    memoryBytes: z.number(),
    storageDriver: z.string(),
    rootDir: z.string(),
    images: z.number(),
    containers: Counts,
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async run(_args, run) {
    const docker = engineOf(run);
    const [info, version, containers] = await Promise.all([
      engineCall(`reading the engine facts of host ${run.host}`, async () => Info.parse(await docker.info())),
      engineCall(`reading the engine version of host ${run.host}`, async () => z.object({ ApiVersion: z.string() }).parse(await docker.version())),
      containerCounts(run),
    ]);
    const structured = {
      name: info.Name,
      version: info.ServerVersion,
      apiVersion: version.ApiVersion,
      os: info.OperatingSystem,
      kernel: info.KernelVersion,
      architecture: info.Architecture,
      cpus: info.NCPU,
      memoryBytes: info.MemTotal,
      storageDriver: info.Driver,
      rootDir: info.DockerRootDir,
      images: info.Images,
      containers,
    };
    const which = run.settings.scope === 'managed' ? ' Berth manages' : '';
    return {
      structured,
      text: `Host ${run.host}: Docker ${info.ServerVersion} (API ${version.ApiVersion}) on ${info.OperatingSystem}, ${info.NCPU} CPU(s), ${(info.MemTotal / 1024 ** 3).toFixed(1)} GiB; ${containers.total} container(s)${which} (${containers.running} running), ${info.Images} image(s).`,
    };
  },
});

const Df = z.object({
  Images: z.array(z.object({ Size: z.number(), SharedSize: z.number(), Containers: z.number() })).nullish(),
  Containers: z.array(z.object({ SizeRw: z.number().optional(), Labels: z.record(z.string(), z.string()).nullish() })).nullish(),
  Volumes: z.array(z.object({ UsageData: z.object({ Size: z.number(), RefCount: z.number() }).nullish() })).nullish(),
  BuildCache: z.array(z.object({ Size: z.number(), InUse: z.boolean() })).nullish(),
});
const Usage = z.object({ count: z.number(), sizeBytes: z.number(), reclaimableBytes: z.number() });

export const getSystemDf = defineTool({
  name: 'get_system_df',
  title: 'Disk use of Docker',
  description: 'How much disk a host\'s images, containers (in scope), volumes and build cache take, and how much of it nothing uses (what a prune would free). The engine may take some seconds to measure.',
  input: z.object({}),
  output: z.object({ images: Usage, containers: Usage, volumes: Usage, buildCache: Usage }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async run(_args, run) {
    const df = Df.parse(await engineCall(`measuring disk use on host ${run.host}`, () => engineOf(run).df()));
    const sum = <T>(xs: T[], f: (x: T) => number) => xs.reduce((a, x) => a + f(x), 0);
    const imgs = df.Images ?? [];
    const ctrs = (df.Containers ?? []).filter((c) => inScope(c.Labels ?? {}, run));
    const vols = df.Volumes ?? [];
    const cache = df.BuildCache ?? [];
    const structured = {
      images: { count: imgs.length, sizeBytes: sum(imgs, (i) => i.Size), reclaimableBytes: sum(imgs.filter((i) => i.Containers === 0), (i) => i.Size - Math.max(0, i.SharedSize)) },
      containers: { count: ctrs.length, sizeBytes: sum(ctrs, (c) => c.SizeRw ?? 0), reclaimableBytes: 0 },
      volumes: { count: vols.length, sizeBytes: sum(vols, (v) => Math.max(0, v.UsageData?.Size ?? 0)), reclaimableBytes: sum(vols.filter((v) => v.UsageData?.RefCount === 0), (v) => Math.max(0, v.UsageData?.Size ?? 0)) },
      buildCache: { count: cache.length, sizeBytes: sum(cache, (b) => b.Size), reclaimableBytes: sum(cache.filter((b) => !b.InUse), (b) => b.Size) },
    };
    const mb = (b: number) => `${(b / 1e6).toFixed(0)} MB`;
    const line = (what: string, u: z.infer<typeof Usage>) => `${what}: ${u.count}, ${mb(u.sizeBytes)} (${mb(u.reclaimableBytes)} unused)`;
    return {
      structured,
      text: [`Disk use of Docker on host ${run.host}:`, line('images', structured.images), line(`containers${run.settings.scope === 'managed' ? ' Berth manages' : ''}`, structured.containers), line('volumes', structured.volumes), line('build cache', structured.buildCache)].join('\n'),
    };
  },
});
