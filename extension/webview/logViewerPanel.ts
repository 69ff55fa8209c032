// A server's log viewer: one webview per server, fed with the log's history and then its live
// lines (`logs/follow`), re-fed from a fresh history on every new daemon connection. The
// viewer itself filters, searches and scrolls; this side only moves lines and the clipboard.
import * as vscode from 'vscode';
import * as M from '../../daemon/protocol/methods.js';
import type { LogLine } from '../../daemon/protocol/status.js';
import { errorMessage, type Ctx } from '../ctx.js';
import { BerthPanel } from './panel.js';
import { afterHistory } from './logFeed.js';
import { FromLogViewer, type ToLogViewer } from './logViewerMessages.js';

/** As many lines as `logs/query` gives. */
const HISTORY_LINES = 100_000;

export class LogViewers implements vscode.Disposable {
  private readonly panels = new Map<string, LogViewerPanel>();

  constructor(private readonly ctx: Ctx) {}

  show(name: string): void {
    const open = this.panels.get(name);
    if (open) open.reveal();
    else this.panels.set(name, new LogViewerPanel(this.ctx, name, () => this.panels.delete(name)));
  }

  dispose(): void {
    for (const p of [...this.panels.values()]) p.dispose();
  }
}

class LogViewerPanel extends BerthPanel<FromLogViewer, ToLogViewer> {
  private subscription: string | undefined;
  /** Lines pushed while the history is fetched; sent after it. */
  private pending: LogLine[] | undefined;

  constructor(
    ctx: Ctx,
    private readonly name: string,
    onClosed: () => void,
  ) {
    // The viewer holds up to 200,000 lines and the user's place in them: kept while hidden
    // rather than refetched and rebuilt each time the tab comes back.
    super(ctx, { viewType: 'berth.logViewer', title: `Logs: ${name}`, entry: 'logViewer', retainContextWhenHidden: true, schema: FromLogViewer, what: `log viewer of ${name}` }, onClosed);
    this.listen(
      ctx.onDidAppendLogs(({ subscription, lines }) => {
        if (subscription !== this.subscription) return;
        if (this.pending) this.pending.push(...lines);
        else this.post({ type: 'append', lines: [...lines] });
      }),
      ctx.onDidStartSession(() => void this.load()),
      ctx.onDidChangeState((s) => this.post({ type: 'connection', connected: s.kind === 'connected' })),
      // Removed (from the CLI, another window or its spec file): its viewer goes, as its log channel does.
      ctx.onDidChangeServers((servers) => {
        if (!servers.some((s) => s.name === name)) this.panel.dispose();
      }),
    );
  }

  protected receive(message: FromLogViewer): void {
    if (message.type === 'ready') void this.load();
    else void vscode.env.clipboard.writeText(message.text).then(() => vscode.window.setStatusBarMessage(`Berth: copied the shown lines of ${this.name}`, 3000));
  }

  protected override closed(): void {
    this.unfollow();
  }

  /** Follows first, then fetches the history, so no line falls between the two. */
  private async load(): Promise<void> {
    this.unfollow();
    this.pending = [];
    try {
      const { subscription } = await this.ctx.request(M.LogsFollow, { name: this.name });
      this.subscription = subscription;
      const history = await this.ctx.request(M.LogsQuery, { name: this.name, lines: HISTORY_LINES });
      this.post({ type: 'reset', server: this.name, connected: true, lines: [...history, ...afterHistory(history, this.pending)] });
    } catch (e) {
      this.ctx.output.warn(`could not follow the logs of ${this.name}: ${errorMessage(e)}`);
      this.post({ type: 'connection', connected: false });
    } finally {
      this.pending = undefined;
    }
  }

  private unfollow(): void {
    if (this.subscription === undefined) return;
    void this.ctx.request(M.LogsUnfollow, { subscription: this.subscription }).catch(() => undefined);
    this.subscription = undefined;
  }
}
