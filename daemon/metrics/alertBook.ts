import type { Alert, AlertRule, AlertsState } from '../protocol/alerts.js';
import type { Condition } from './alertRules.js';

/** Cleared alerts kept for `berth alerts` and the editor. */
export const RECENT_ALERTS = 200;

export type AlertEvent = { kind: 'fired' | 'cleared'; alert: Alert };

/**
 * Open alerts and a bounded history of cleared ones. An alert fires once, when its rule's condition
 * starts to hold, stays open (its message not repeated) while it holds, and clears when it stops.
 */
export class AlertBook {
  private readonly open = new Map<string, Alert>();
  private recent: Alert[] = [];

  /** The conditions that hold for `server` now; gives what fired and what cleared. */
  update(server: string, conditions: readonly Condition[], now: number): AlertEvent[] {
    const events: AlertEvent[] = [];
    const holding = new Set<AlertRule>(conditions.map((c) => c.rule));
    for (const c of conditions) {
      const key = keyOf(server, c.rule);
      if (this.open.has(key)) continue;
      const alert: Alert = { id: `${server}/${c.rule}/${now}`, server, rule: c.rule, message: c.message, firedAt: now };
      this.open.set(key, alert);
      events.push({ kind: 'fired', alert });
    }
    for (const [key, alert] of this.open) {
      if (alert.server === server && !holding.has(alert.rule)) events.push(this.clear(key, alert, now));
    }
    return events;
  }

  /** The server is gone: its open alerts clear. */
  forget(server: string, now: number): AlertEvent[] {
    return [...this.open].filter(([, a]) => a.server === server).map(([key, alert]) => this.clear(key, alert, now));
  }

  state(server?: string): AlertsState {
    const mine = (a: Alert) => server === undefined || a.server === server;
    return { open: [...this.open.values()].filter(mine).sort((a, b) => b.firedAt - a.firedAt), recent: this.recent.filter(mine) };
  }

  openCount(server: string): number {
    let n = 0;
    for (const a of this.open.values()) if (a.server === server) n++;
    return n;
  }

  private clear(key: string, alert: Alert, now: number): AlertEvent {
    this.open.delete(key);
    const cleared = { ...alert, clearedAt: now };
    this.recent = [cleared, ...this.recent].slice(0, RECENT_ALERTS);
    return { kind: 'cleared', alert: cleared };
  }
}

function keyOf(server: string, rule: AlertRule): string {
  return `${server}\0${rule}`;
}
