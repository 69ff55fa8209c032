import { z } from 'zod';

export interface ServerStats {
  cpuPercent: number;
  memoryBytes: number;
  memoryLimitBytes: number;
  networkRxBytes: number;
  networkTxBytes: number;
  pids: number;
}

// Every counter is optional: a stopped container reports `{}` for memory and pids and no networks,
// and we want zeros for it, not "no data". Unknown keys are ignored, not rejected.
const count = z.number().nonnegative().optional();

const cpuStats = z.object({
  cpu_usage: z.object({ total_usage: z.number().nonnegative(), percpu_usage: z.array(z.number()).nullish() }),
  system_cpu_usage: count,
  online_cpus: count,
});

const statsDocument = z.object({
  cpu_stats: cpuStats,
  // The first document of a stream can lack a previous sample altogether.
  precpu_stats: z.object({ cpu_usage: z.object({ total_usage: count }).optional(), system_cpu_usage: count }).optional(),
  memory_stats: z.object({
    usage: count,
    limit: count,
    // cgroup v1 reports page cache as `cache`; v2 has no `cache` and reports `inactive_file`.
    stats: z.object({ cache: count, inactive_file: count }).optional(),
  }),
  networks: z.record(z.string(), z.object({ rx_bytes: count, tx_bytes: count })).optional(),
  pids_stats: z.object({ current: count }).optional(),
});

/** One Docker Engine stats document (Linux container, cgroup v1 or v2) → Berth's numbers; undefined if unrecognised. */
export function statsFromSample(raw: unknown): ServerStats | undefined {
  const parsed = statsDocument.safeParse(raw);
  if (!parsed.success) return undefined;
  const { cpu_stats: cpu, precpu_stats: pre, memory_stats: mem, networks, pids_stats } = parsed.data;

  // Same method as `docker stats`: share of host CPU time used between the two samples, scaled to cores.
  // Without a previous reading a "delta" would be the container's lifetime average, so report 0.
  let cpuPercent = 0;
  if (pre?.system_cpu_usage) {
    const cpuDelta = cpu.cpu_usage.total_usage - (pre.cpu_usage?.total_usage ?? 0);
    const systemDelta = (cpu.system_cpu_usage ?? 0) - pre.system_cpu_usage;
    const cpus = cpu.online_cpus || cpu.cpu_usage.percpu_usage?.length || 1;
    if (cpuDelta > 0 && systemDelta > 0) cpuPercent = (cpuDelta / systemDelta) * cpus * 100;
  }

  // Page cache is reclaimable, so like `docker stats` we leave it out of "memory used".
  const usage = mem.usage ?? 0;
  const cache = mem.stats?.cache ?? mem.stats?.inactive_file ?? 0;
  const memoryBytes = cache < usage ? usage - cache : usage;

  let networkRxBytes = 0;
  let networkTxBytes = 0;
  for (const iface of Object.values(networks ?? {})) {
    networkRxBytes += iface.rx_bytes ?? 0;
    networkTxBytes += iface.tx_bytes ?? 0;
  }

  return {
    cpuPercent,
    memoryBytes,
    memoryLimitBytes: mem.limit ?? 0,
    networkRxBytes,
    networkTxBytes,
    pids: pids_stats?.current ?? 0,
  };
}
