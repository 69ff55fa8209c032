import { describe, expect, it } from 'vitest';
import { statsFromSample } from '../../daemon/stats/sample.js';

// Trimmed from real `GET /containers/{id}/stats` documents.
const cgroupV1 = {
  read: '2024-05-01T10:00:01Z',
  pids_stats: { current: 7 },
  networks: {
    eth0: { rx_bytes: 1000, tx_bytes: 200, rx_packets: 10 },
    eth1: { rx_bytes: 24, tx_bytes: 6 },
  },
  memory_stats: {
    usage: 50_000_000,
    max_usage: 60_000_000,
    limit: 536_870_912,
    stats: { cache: 10_000_000, rss: 40_000_000, total_inactive_file: 3_000_000 },
  },
  cpu_stats: {
    cpu_usage: { total_usage: 2_000_000_000, percpu_usage: [1_000_000_000, 1_000_000_000, 0, 0] },
    system_cpu_usage: 110_000_000_000,
    throttling_data: { periods: 0 },
  },
  precpu_stats: {
    cpu_usage: { total_usage: 1_500_000_000, percpu_usage: [750_000_000, 750_000_000, 0, 0] },
    system_cpu_usage: 100_000_000_000,
  },
};

const cgroupV2 = {
  pids_stats: { current: 3, limit: 100 },
  networks: { eth0: { rx_bytes: 4096, tx_bytes: 1024 } },
  memory_stats: {
    usage: 20_000_000,
    limit: 1_073_741_824,
    stats: { anon: 12_000_000, file: 8_000_000, inactive_file: 5_000_000 },
  },
  cpu_stats: { cpu_usage: { total_usage: 3_000_000_000 }, system_cpu_usage: 220_000_000_000, online_cpus: 8 },
  precpu_stats: { cpu_usage: { total_usage: 1_000_000_000 }, system_cpu_usage: 200_000_000_000, online_cpus: 8 },
};

describe('statsFromSample', () => {
  it('reads a cgroup v1 document', () => {
    const s = statsFromSample(cgroupV1)!;
    // (0.5e9 / 10e9) × 4 cores (from percpu_usage) × 100
    expect(s.cpuPercent).toBeCloseTo(20);
    expect(s).toMatchObject({
      memoryBytes: 40_000_000,
      memoryLimitBytes: 536_870_912,
      networkRxBytes: 1024,
      networkTxBytes: 206,
      pids: 7,
    });
  });

  it('reads a cgroup v2 document', () => {
    const s = statsFromSample(cgroupV2)!;
    // (2e9 / 20e9) × 8 × 100
    expect(s.cpuPercent).toBeCloseTo(80);
    expect(s).toMatchObject({
      memoryBytes: 15_000_000,
      memoryLimitBytes: 1_073_741_824,
      networkRxBytes: 4096,
      networkTxBytes: 1024,
      pids: 3,
    });
  });

  it('prefers online_cpus over the percpu list', () => {
    const doc = { ...cgroupV1, cpu_stats: { ...cgroupV1.cpu_stats, online_cpus: 2 } };
    expect(statsFromSample(doc)!.cpuPercent).toBeCloseTo(10);
  });

  it('gives zeros for a stopped container', () => {
    const stopped = {
      read: '0001-01-01T00:00:00Z',
      pids_stats: {},
      blkio_stats: { io_service_bytes_recursive: null },
      num_procs: 0,
      storage_stats: {},
      cpu_stats: { cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 }, throttling_data: {} },
      precpu_stats: { cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 }, throttling_data: {} },
      memory_stats: {},
      name: '/berth-x',
    };
    expect(statsFromSample(stopped)).toEqual({
      cpuPercent: 0,
      memoryBytes: 0,
      memoryLimitBytes: 0,
      networkRxBytes: 0,
      networkTxBytes: 0,
      pids: 0,
    });
  });

  it('gives 0% CPU on the first sample, which has no previous one', () => {
    const { precpu_stats: _, ...first } = cgroupV2;
    expect(statsFromSample(first)!.cpuPercent).toBe(0);
    expect(statsFromSample({ ...cgroupV2, precpu_stats: {} })!.cpuPercent).toBe(0);
  });

  it('treats absent networks (network none) as 0', () => {
    const { networks: _, ...noNet } = cgroupV2;
    expect(statsFromSample(noNet)).toMatchObject({ networkRxBytes: 0, networkTxBytes: 0 });
  });

  it('does not subtract a cache larger than usage', () => {
    const doc = { ...cgroupV2, memory_stats: { usage: 100, limit: 1000, stats: { inactive_file: 500 } } };
    expect(statsFromSample(doc)!.memoryBytes).toBe(100);
  });

  it.each([
    ['undefined', undefined],
    ['a string', 'nope'],
    ['an empty object', {}],
    ['a document without memory_stats', { cpu_stats: cgroupV2.cpu_stats }],
    ['a non-numeric counter', { ...cgroupV2, memory_stats: { usage: 'lots' } }],
    ['a missing total_usage', { ...cgroupV2, cpu_stats: { cpu_usage: {} } }],
  ])('returns undefined for %s', (_name, raw) => {
    expect(statsFromSample(raw)).toBeUndefined();
  });
});
