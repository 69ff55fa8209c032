// The dashboard: one panel for every server on every host, live on the daemon's pushes
// (`servers/didChange`, `alerts/didChange`, through Ctx) and on a poll of `metrics/history` while
// it is visible. A second "open" reveals it. Each message it sends is parsed before it is acted on.
import * as vscode from 'vscode';
import { MetricsHistory } from '../../daemon/protocol/metrics.js';
import { errorMessage, type Ctx } from '../ctx.js';
import { FromDashboard, type DashboardAction, type ToDashboard } from './dashboardMessages.js';
import { dashboardView, HistoryBuffer } from './dashboardView.js';
import { BerthPanel } from './panel.js';

/** The daemon samples every 5 s; polling at that pace shows each sample as it comes. */
const POLL_MS = 5000;

const COMMANDS: Record<DashboardAction, string> = {
  start: 'berth.server.start',
  stop: 'berth.server.stop',
  restart: 'berth.server.restart',
  openLogs: 'berth.server.openLogViewer',
  showDetails: 'berth.server.showDetails',
};

export class Dashboard implements vscode.Disposable {
  private panel: DashboardPanel | undefined;

  constructor(private readonly ctx: Ctx) {}

  /** Opens (or reveals) the dashboard; with a server, scrolls to its card. */
  show(focus?: string): void {
    if (!this.panel) this.panel = new DashboardPanel(this.ctx, () => (this.panel = undefined));
    else this.panel.reveal();
    if (focus !== undefined) this.panel.focus(focus);
  }

  dispose(): void {
    this.panel?.dispose();
  }
}

class DashboardPanel extends BerthPanel<FromDashboard, ToDashboard> {
  private history = new HistoryBuffer();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  /** A focus asked for before the script is ready, sent once it is. */
  private pendingFocus: string | undefined;
  private ready = false;

  constructor(ctx: Ctx, onClosed: () => void) {
    super(ctx, { viewType: 'berth.dashboard', title: 'Berth Dashboard', entry: 'dashboard', retainContextWhenHidden: false, schema: FromDashboard, what: 'dashboard' }, onClosed);
    this.listen(
      ctx.onDidChangeServers(() => this.update()),
      ctx.onDidChangeState(() => this.update()),
      ctx.onDidChangeAlerts(() => this.update()),
      // A new daemon has a history of its own: start again from it.
      ctx.onDidStartSession(() => {
        this.history = new HistoryBuffer();
        void this.poll();
      }),
      this.panel.onDidChangeViewState(() => {
        this.ready = this.ready && this.panel.visible;
        this.schedule();
      }),
    );
  }

  focus(server: string): void {
    if (this.ready) this.post({ type: 'focus', server });
    else this.pendingFocus = server;
  }

  protected override closed(): void {
    clearInterval(this.timer);
  }

  /** Polls only while the panel is visible: a hidden dashboard costs the daemon nothing. */
  private schedule(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.panel.visible) this.timer = setInterval(() => void this.poll(), POLL_MS);
  }

  private async poll(): Promise<void> {
    if (this.polling || !this.panel.visible || this.ctx.connection.kind !== 'connected') return;
    this.polling = true;
    try {
      const since = this.history.since;
      const answer = await this.ctx.request(MetricsHistory, since === undefined ? {} : { since });
      this.history.apply(answer.servers, Date.now());
      this.update();
    } catch (e) {
      this.ctx.output.warn(`dashboard: could not read the metrics history: ${errorMessage(e)}`);
    } finally {
      this.polling = false;
    }
  }

  protected receive(message: FromDashboard): void {
    if (message.type === 'ready') {
      this.ready = true;
      this.update();
      this.schedule();
      void this.poll();
      if (this.pendingFocus !== undefined) this.post({ type: 'focus', server: this.pendingFocus });
      this.pendingFocus = undefined;
    } else {
      void vscode.commands.executeCommand(COMMANDS[message.action], message.server);
    }
  }

  private update(): void {
    if (!this.panel.visible) return;
    this.post(dashboardView({ connected: this.ctx.connection.kind === 'connected', servers: this.ctx.serverList, alerts: this.ctx.openAlerts(), history: this.history, now: Date.now() }));
  }
}
