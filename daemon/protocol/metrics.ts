import { z } from 'zod';
import { AlertsState } from './alerts.js';
import { notification, request } from './define.js';
import { ServerName } from './spec.js';
import { Phase } from './status.js';

/** Open alerts and the most recent cleared ones, newest first. */
export const AlertsList = request('alerts/list', z.object({ name: ServerName.optional() }).strict(), AlertsState);
/** An alert fired or cleared. */
export const AlertsDidChange = notification('alerts/didChange', AlertsState);

const Column = z.array(z.number().nullable());
export const ServerHistory = z.object({
  name: z.string(),
  /** Sample times, ms since the epoch, oldest first; every other column lines up with it. */
  t: z.array(z.number()),
  phase: z.array(Phase.nullable()),
  cpuPercent: Column,
  memoryBytes: Column,
  memoryLimitBytes: Column,
  rxBytesPerSecond: Column,
  txBytesPerSecond: Column,
  /** The server's restart count at each sample. */
  restarts: Column,
  /** Health checks made, and those that failed, since the previous sample. */
  healthChecks: Column,
  healthFailures: Column,
  /** Tool calls, and those that failed, since the previous sample. */
  calls: Column,
  errors: Column,
  /** The 95th percentile latency of those calls (from the histogram's buckets); null without calls. */
  latencyP95Ms: Column,
});
export type ServerHistory = z.infer<typeof ServerHistory>;

export const MetricsHistory = request(
  'metrics/history',
  z.object({ name: ServerName.optional(), since: z.number().optional() }).strict(),
  z.object({
    resolutionMs: z.number(),
    /** Samples kept per server (the last hour), and the fixed memory that takes. */
    slots: z.number(),
    bytesPerServer: z.number(),
    servers: z.array(ServerHistory),
  }),
);
