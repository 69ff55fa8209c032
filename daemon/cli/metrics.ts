import { Option, type Command } from 'commander';
import { connectDaemon, type DaemonClient } from '../client/client.js';
import { alertRows, table, topRows } from '../client/format.js';
import type { AlertsState } from '../protocol/alerts.js';
import { AlertsDidChange, AlertsList } from '../protocol/metrics.js';
import * as M from '../protocol/methods.js';
import { berthPaths } from '../protocol/paths.js';
import { printable } from '../protocol/printable.js';
import type { ServerStatus } from '../protocol/status.js';

/** What these verbs borrow from the CLI's main module. */
export interface MetricsCliDeps {
  withDaemon<T>(fn: (client: DaemonClient) => Promise<T>): Promise<T>;
  print(json: boolean, value: unknown, human: () => string): void;
}

/** A live table redraws at most this often, however fast stats arrive. */
const REDRAW_MS = 1000;

/** `berth alerts` and `berth top`. */
export function registerMetricsCommands(program: Command, deps: MetricsCliDeps): void {
  const json = () => new Option('--json', 'print machine-readable JSON');

  program
    .command('alerts [name]')
    .description('open alerts and the recent cleared ones (rules: `alerts:` in the spec)')
    .addOption(json())
    .action(async (name: string | undefined, o: { json?: boolean }) => {
      const state = await deps.withDaemon((c) => c.request(AlertsList, { name }));
      deps.print(o.json ?? false, state, () => {
        const all = [...state.open, ...state.recent];
        return all.length ? table(alertRows(all)) : 'no alerts';
      });
    });

  program
    .command('top')
    .description('a live table of every server: CPU, memory against its limit, network, restarts, open alerts (like docker stats)')
    .option('--once', 'print the table once and exit (for scripts)')
    .addOption(json())
    .action(async (o: { once?: boolean; json?: boolean }) => {
      if (o.once) {
        const { servers, alerts } = await deps.withDaemon(async (c) => ({ servers: await c.request(M.ServersList, {}), alerts: await c.request(AlertsList, {}) }));
        deps.print(o.json ?? false, servers.map((s) => ({ name: s.name, host: s.host, phase: s.phase, stats: s.stats, restartCount: s.restartCount, openAlerts: alerts.open.filter((a) => a.server === s.name).length })), () => render(servers, alerts));
        return;
      }
      await follow();
    });
}

function render(servers: ServerStatus[], alerts: AlertsState): string {
  return servers.length ? table(topRows(servers, alerts.open)) : 'no servers yet; add one with `berth add NAME --catalog everything`';
}

/** Redraws on each change of the servers or the alerts, until Ctrl-C. */
async function follow(): Promise<void> {
  const client = await connectDaemon(berthPaths(), 'berth-cli');
  try {
    let servers = await client.request(M.ServersList, {});
    let alerts = await client.request(AlertsList, {});
    let timer: NodeJS.Timeout | undefined;
    let drawnAt = 0;
    const draw = () => {
      timer = undefined;
      drawnAt = Date.now();
      // Home and clear, then the table: the terminal shows one table, updated in place.
      process.stdout.write(`\x1b[H\x1b[2J${printable(render(servers, alerts), { keepNewlines: true })}\n`);
    };
    const soon = () => {
      timer ??= setTimeout(draw, Math.max(0, drawnAt + REDRAW_MS - Date.now()));
    };
    client.on(M.ServersDidChange, (p) => {
      servers = p.servers;
      soon();
    });
    client.on(AlertsDidChange, (p) => {
      alerts = p;
      soon();
    });
    draw();
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
      client.connection.onClose(resolve);
    });
    clearTimeout(timer);
  } finally {
    client.close();
  }
}
