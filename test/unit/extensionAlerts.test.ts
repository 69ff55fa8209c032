import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../daemon/protocol/alerts.js';
import type { ServerStatus } from '../../daemon/protocol/status.js';
import { ALERT_ACTION_COMMANDS, ALERT_ACTIONS, alertNotificationText, alertTooltipLines, newlyFired, withAlertMark } from '../../extension/alerts/alertText.js';
import { statusBarContent } from '../../extension/status/statusText.js';
import { mdEscape } from '../../extension/tree/nodes.js';

const alert = (over: Partial<Alert> = {}): Alert => ({ id: 'ev/memory/1', server: 'ev', rule: 'memory', message: 'memory at 93% of its limit for 60 s or more (alert at 90%)', firedAt: 1, ...over });
const server: ServerStatus = { name: 'ev', host: 'local', image: 'i', source: 's', phase: 'healthy', restartCount: 0, health: [] };
const connected = { kind: 'connected' as const, daemonVersion: '0.1.0', pid: 7, engine: { ok: true, version: '20.10' }, specErrors: [], notices: [] };

describe('alerts in the editor', () => {
  it('the status bar counts open alerts and lists them in its tooltip', () => {
    const calm = statusBarContent(connected, [server], []);
    expect(calm.text).toBe('$(server-process) Berth 1');
    const c = statusBarContent(connected, [server], [alert(), alert({ id: 'x', rule: 'restarts', message: 'restarted 4 times within 600 s (alert above 3)' })]);
    expect(c.text).toBe('$(warning) Berth 1 $(bell-dot) 2');
    expect(c.severity).toBe('warning');
    expect(c.tooltip).toContain('alert: ev: memory at 93% of its limit');
  });

  it('the status bar counts servers with an update available, without calling it a warning', () => {
    const update = { current: '1.0.0', available: '1.1.0', change: 'minor' as const, checkedAt: 0 };
    const c = statusBarContent(connected, [server, { ...server, name: 'mem', update }], []);
    expect(c.text).toBe('$(server-process) Berth 2 $(arrow-up) 1');
    expect(c.severity).toBe('ok');
    expect(c.tooltip).toContain('update available: mem 1.0.0 → 1.1.0');
  });

  it('a server with open alerts is marked on its row and in its tooltip', () => {
    expect(withAlertMark('healthy · 1.0% CPU', [])).toBe('healthy · 1.0% CPU');
    expect(withAlertMark('healthy', [alert()])).toBe('⚠ 1 alert · healthy');
    expect(withAlertMark('healthy', [alert(), alert({ id: 'y' })])).toBe('⚠ 2 alerts · healthy');
    expect(alertTooltipLines([alert()], mdEscape).join('\n')).toContain('$(bell-dot) memory: memory at 93% of its limit for 60 s or more \\(alert at 90%\\)');
  });

  it('announces each alert once, and none that were open when the window connected', () => {
    const seen = new Set(['ev/memory/1']);
    expect(newlyFired(seen, [alert()])).toEqual([]);
    const fresh = alert({ id: 'ev/cpu/9', rule: 'cpu' });
    expect(newlyFired(seen, [alert(), fresh])).toEqual([fresh]);
    expect(newlyFired(new Set(), [alert({ clearedAt: 5 })])).toEqual([]);
  });

  it('offers Show Logs, Restart and Open Dashboard, each running a server command with the server', () => {
    expect(ALERT_ACTIONS).toEqual(['Show Logs', 'Restart', 'Open Dashboard']);
    expect(Object.values(ALERT_ACTION_COMMANDS)).toEqual(['berth.server.showLogs', 'berth.server.restart', 'berth.dashboard.open']);
    const declared = (JSON.parse(readFileSync('package.json', 'utf8')) as { contributes: { commands: { command: string }[] } }).contributes.commands.map((c) => c.command);
    for (const command of Object.values(ALERT_ACTION_COMMANDS)) expect(declared).toContain(command);
    expect(alertNotificationText(alert())).toBe('Berth: ev: memory at 93% of its limit for 60 s or more (alert at 90%)');
  });
});
