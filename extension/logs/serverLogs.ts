// One LogOutputChannel per server, following its log stream (`logs/follow`) while the channel
// exists. Follows belong to a daemon connection, so they are re-made on every new session, with
// the lines missed in between fetched first.
import * as vscode from 'vscode';
import * as M from '../../daemon/protocol/methods.js';
import type { LogLine } from '../../daemon/protocol/status.js';
import { readConfig } from '../config.js';
import { errorMessage, type Ctx } from '../ctx.js';
import { escapedChannel } from './escapedChannel.js';

interface Followed {
  channel: vscode.LogOutputChannel;
  subscription: string | undefined;
  /** Time of the last line written and the lines written at that time, so overlaps are written once. */
  lastT: number;
  atLastT: Set<string>;
  /** Lines pushed while the history is being fetched; written after it. */
  pending: LogLine[] | undefined;
}

export class ServerLogs implements vscode.Disposable {
  private readonly followed = new Map<string, Followed>();
  private readonly bySubscription = new Map<string, string>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly ctx: Ctx) {
    this.subscriptions.push(
      ctx.onDidAppendLogs(({ subscription, lines }) => {
        const name = this.bySubscription.get(subscription);
        const f = name === undefined ? undefined : this.followed.get(name);
        if (!f) return;
        if (f.pending) f.pending.push(...lines);
        else this.write(f, lines);
      }),
      ctx.onDidStartSession(() => {
        this.bySubscription.clear();
        for (const [name, f] of this.followed) {
          f.subscription = undefined;
          void this.follow(name, f).catch((e: unknown) => ctx.output.warn(`could not follow the logs of ${name}: ${errorMessage(e)}`));
        }
      }),
      ctx.onDidChangeServers((servers) => {
        const names = new Set(servers.map((s) => s.name));
        for (const name of [...this.followed.keys()]) if (!names.has(name)) this.close(name);
      }),
    );
  }

  /** Opens (or reveals) the server's channel; the first time, fills it with recent history. */
  async show(name: string): Promise<void> {
    let f = this.followed.get(name);
    if (!f) {
      f = { channel: escapedChannel(vscode.window.createOutputChannel(`Berth: ${name}`, { log: true })), subscription: undefined, lastT: 0, atLastT: new Set(), pending: undefined };
      this.followed.set(name, f);
      await this.follow(name, f);
    }
    f.channel.show(true);
  }

  private async follow(name: string, f: Followed): Promise<void> {
    f.pending = [];
    try {
      const { subscription } = await this.ctx.request(M.LogsFollow, { name });
      f.subscription = subscription;
      this.bySubscription.set(subscription, name);
      const history = await this.ctx.request(M.LogsQuery, f.lastT === 0 ? { name, lines: readConfig().logHistoryLines } : { name, since: f.lastT });
      this.write(f, history);
    } finally {
      const pending = f.pending;
      f.pending = undefined;
      this.write(f, pending);
    }
  }

  private write(f: Followed, lines: readonly LogLine[]): void {
    for (const l of lines) {
      const key = `${l.stream}\u0000${l.text}`;
      if (l.t < f.lastT || (l.t === f.lastT && f.atLastT.has(key))) continue;
      if (l.t > f.lastT) {
        f.lastT = l.t;
        f.atLastT = new Set();
      }
      f.atLastT.add(key);
      // Every entry names its stream first, and the channel keeps each entry one line (control
      // characters escaped): what a server writes cannot pass for a note of Berth's.
      f.channel.info(`[${l.stream}] ${l.text}`);
    }
  }

  private close(name: string): void {
    const f = this.followed.get(name);
    if (!f) return;
    this.followed.delete(name);
    if (f.subscription) {
      this.bySubscription.delete(f.subscription);
      void this.ctx.request(M.LogsUnfollow, { subscription: f.subscription }).catch(() => undefined);
    }
    f.channel.dispose();
  }

  dispose(): void {
    for (const name of [...this.followed.keys()]) this.close(name);
    for (const d of this.subscriptions) d.dispose();
  }
}
