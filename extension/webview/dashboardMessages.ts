// The messages between the dashboard and the extension, defined once (as messages.ts does for
// Server Details): the browser script imports the types only; the extension parses every message
// the dashboard sends.
import { z } from 'zod';
import { ServerName } from '../../daemon/protocol/spec.js';
import type { Phase } from '../../daemon/protocol/status.js';
import type { IconSpec } from '../tree/nodes.js';

/** What a server card's buttons may ask for; each maps to one existing `berth.*` command. */
export const DashboardAction = z.enum(['start', 'stop', 'restart', 'openLogs', 'showDetails']);
export type DashboardAction = z.infer<typeof DashboardAction>;

export const FromDashboard = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }).strict(),
  z.object({ type: z.literal('run'), action: DashboardAction, server: ServerName }).strict(),
]);
export type FromDashboard = z.infer<typeof FromDashboard>;

/** One server's graphs: times in seconds (uPlot's unit), columns lined up with them; null is a gap. */
export interface DashboardSeries {
  t: number[];
  cpuPercent: (number | null)[];
  memoryBytes: (number | null)[];
  /** The limit at each sample, drawn as a second line on the memory graph. */
  memoryLimitBytes: (number | null)[];
}

export interface DashboardAlert {
  server: string;
  rule: string;
  message: string;
  since: string;
}

/** One server's card: every value already formatted, so the script only places text and data. */
export interface DashboardServer {
  name: string;
  host: string;
  phase: Phase;
  icon: IconSpec;
  message: string | undefined;
  running: boolean;
  /** The last health check, worded ("passed 3 ms ago", "failed: …"), or "no checks yet". */
  health: string;
  healthOk: boolean | undefined;
  cpu: string;
  memory: string;
  callsPerMinute: string;
  latencyP95: string;
  alerts: DashboardAlert[];
  series: DashboardSeries;
}

export interface DashboardUpdate {
  type: 'update';
  connected: boolean;
  servers: DashboardServer[];
  alerts: DashboardAlert[];
}

export type ToDashboard =
  | DashboardUpdate
  /** Scrolls to a server's card and marks it (the alert notification's Open Dashboard). */
  | { type: 'focus'; server: string };
