// How open alerts show on a server's row and in the notification. Pure, so it is unit-tested.
import type { Alert } from '../../daemon/protocol/alerts.js';

/** The row's description with its open alerts counted first, so a marked server stands out. */
export function withAlertMark(description: string, open: readonly Alert[]): string {
  if (open.length === 0) return description;
  return `⚠ ${open.length} alert${open.length === 1 ? '' : 's'} · ${description}`;
}

/** Tooltip lines (Markdown) listing a server's open alerts. */
export function alertTooltipLines(open: readonly Alert[], escape: (s: string) => string): string[] {
  return open.length ? ['', 'Open alerts:  ', ...open.map((a) => `$(bell-dot) ${escape(`${a.rule}: ${a.message}`)}  `)] : [];
}

/** The alerts in `next` that fired since `seen` was taken: each is announced once. */
export function newlyFired(seen: ReadonlySet<string>, next: readonly Alert[]): Alert[] {
  return next.filter((a) => a.clearedAt === undefined && !seen.has(a.id));
}

export const ALERT_ACTIONS = ['Show Logs', 'Restart', 'Open Dashboard'] as const;
export type AlertAction = (typeof ALERT_ACTIONS)[number];

/** The command each action runs, with the server's name as its argument (the dashboard scrolls to it). */
export const ALERT_ACTION_COMMANDS: Record<AlertAction, string> = {
  'Show Logs': 'berth.server.showLogs',
  Restart: 'berth.server.restart',
  'Open Dashboard': 'berth.dashboard.open',
};

export function alertNotificationText(a: Alert): string {
  return `Berth: ${a.server}: ${a.message}`;
}
