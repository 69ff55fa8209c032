import { EventEmitter } from 'node:events';
import type { Client, ClientChannel } from 'ssh2';
import { connectClient, type ConnectOptions } from './connect.js';
import { explainRemoteDocker, SshError } from './sshErrors.js';
import type { SshTarget } from './sshConfig.js';

const DIAL_STDIO = 'docker system dial-stdio';
const MIN_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;
/** An overflow lane that carried nothing for this long is closed. */
const LANE_IDLE_MS = 10_000;

/**
 * One SSH connection and the channels on it. sshd caps session channels per connection
 * (MaxSessions, 10 by default) and each running server holds three for its life (attach, wait,
 * stats), so when the server refuses a channel another connection to the same host is opened
 * beside the first and closed again once idle.
 */
interface Lane {
  client: Client;
  /** Session channels (exec), which MaxSessions counts. */
  channels: Set<ClientChannel>;
  /** Forwarded TCP channels, which it does not. */
  forwards: Set<ClientChannel>;
  /** Learned from the server's first refusal. */
  capacity: number;
  idleTimer?: NodeJS.Timeout;
}

export type ConnectionState = 'idle' | 'connecting' | 'up' | 'down';

/**
 * The daemon's link to one host: connects on first use, keeps alive, and reconnects with backoff
 * after a drop. Every Docker API call is its own channel running `docker system dial-stdio`.
 * A call in flight when the link drops fails with a sentence that says so; calls during the
 * backoff fail at once with the last error (a host that is down never slows anything else); the
 * next calls after it is back succeed.
 */
export class SshConnection extends EventEmitter<{ up: []; down: [Error] }> {
  state: ConnectionState = 'idle';
  lastError: Error | undefined;
  private lanes: Lane[] = [];
  private connecting: Promise<Lane> | undefined;
  /** One overflow connection at a time: thirty refused channels must not open thirty connections (MaxStartups). */
  private widening: Promise<Lane> | undefined;
  private backoffMs = 0;
  private retryAt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    readonly name: string,
    readonly target: SshTarget,
    private readonly options: ConnectOptions,
  ) {
    super();
  }

  get where(): string {
    return `${this.target.user}@${this.target.alias}${this.target.port === 22 ? '' : `:${this.target.port}`}`;
  }

  /**
   * What the user just gave for this host: the passphrase of an encrypted identity file (kept in
   * this process's memory only), a host key fingerprint they accepted. Used from the next attempt on.
   */
  setCredentials(c: { passphrase?: string; acceptFingerprint?: string }): void {
    if (c.passphrase !== undefined) this.options.passphrase = c.passphrase;
    if (c.acceptFingerprint !== undefined) this.options.acceptFingerprint = c.acceptFingerprint;
    this.retryAt = 0;
  }

  /** Connects now if not connected (ignoring the backoff); rejects with the reason it cannot. */
  async connect(): Promise<void> {
    this.retryAt = 0;
    await this.primary();
  }

  /** A raw byte stream to the remote engine's API socket, for one HTTP request (or a hijacked attach). */
  async dialStdio(): Promise<ClientChannel> {
    const ch = await this.channel(DIAL_STDIO);
    let stderr = '';
    let gotData = false;
    ch.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 4096) stderr += d.toString('utf8');
    });
    ch.once('data', () => (gotData = true));
    // dial-stdio that cannot reach the engine exits at once with a reason on stderr; say it, not "socket hang up".
    ch.once('exit', (code: number | null) => {
      if (code && !gotData) failChannel(ch, explainRemoteDocker(this.where, this.target.user, code, stderr));
    });
    return ch;
  }

  /** Runs a command on the host (not through a shell of Berth's making: sshd runs it with the user's shell). */
  async exec(command: string, timeoutMs = 15_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const ch = await this.channel(command);
    return new Promise((resolve, reject) => {
      let stdout = '';
      let stderr = '';
      let code: number | null = null;
      const timer = setTimeout(() => {
        reject(new SshError('remote-command', `\`${command}\` on ${this.where} did not finish within ${timeoutMs / 1000} s`));
        ch.close();
      }, timeoutMs);
      ch.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
      ch.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
      ch.once('exit', (c: number | null) => (code = c));
      ch.once('error', (e: Error) => {
        clearTimeout(timer);
        reject(e);
      });
      ch.once('close', () => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
      ch.end();
    });
  }

  /**
   * A TCP stream to an address as the host sees it (sshd's direct-tcpip): how the daemon reaches
   * an HTTP server's container there without publishing any port.
   */
  async forward(host: string, port: number): Promise<ClientChannel> {
    const lane = await this.primary();
    return new Promise((resolve, reject) => {
      lane.client.forwardOut('127.0.0.1', 0, host, port, (err, ch) => {
        if (err) return reject(new SshError('remote-command', `${this.where} could not connect to ${host}:${port} there: ${err.message}`));
        lane.forwards.add(ch);
        ch.once('close', () => lane.forwards.delete(ch));
        resolve(ch);
      });
    });
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    for (const lane of this.lanes) lane.client.end();
    this.lanes = [];
  }

  private async channel(command: string): Promise<ClientChannel> {
    const primary = await this.primary();
    for (let attempt = 0; attempt < 100; attempt++) {
      const lane = this.lanes.find((l) => l.channels.size < l.capacity) ?? (await this.overflowLane(primary));
      if (lane.channels.size >= lane.capacity) continue;
      try {
        return await this.openOn(lane, command);
      } catch (e) {
        if (!/open failed|Channel open failure/i.test((e as Error).message)) throw e;
        // The server said no more sessions on this connection: that is its capacity.
        lane.capacity = Math.max(1, lane.channels.size);
      }
    }
    throw new SshError('remote-command', `${this.where} refused every new SSH channel`);
  }

  private openOn(lane: Lane, command: string): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      lane.client.exec(command, (err, ch) => {
        if (err) return reject(err);
        lane.channels.add(ch);
        clearTimeout(lane.idleTimer);
        ch.once('close', () => {
          lane.channels.delete(ch);
          if (lane !== this.lanes[0] && lane.channels.size === 0) {
            lane.idleTimer = setTimeout(() => lane.client.end(), LANE_IDLE_MS).unref();
          }
        });
        resolve(ch);
      });
    });
  }

  private overflowLane(primary: Lane): Promise<Lane> {
    this.widening ??= connectClient(this.target, this.options)
      .then((client) => {
        const lane: Lane = { client, channels: new Set(), forwards: new Set(), capacity: primary.capacity };
        this.lanes.push(lane);
        client.once('close', () => this.laneClosed(lane));
        return lane;
      })
      .finally(() => (this.widening = undefined));
    return this.widening;
  }

  /** The first lane, connecting it if needed; during a backoff, the last error at once. */
  private primary(): Promise<Lane> {
    const up = this.lanes[0];
    if (up) return Promise.resolve(up);
    if (this.closed) return Promise.reject(new SshError('dropped', `the connection to ${this.name} is closed`));
    if (this.connecting) return this.connecting;
    if (this.lastError && Date.now() < this.retryAt) {
      return Promise.reject(new SshError((this.lastError as SshError).kind ?? 'unreachable', `host ${this.name} is down: ${this.lastError.message} (retrying in ${Math.ceil((this.retryAt - Date.now()) / 1000)} s)`, (this.lastError as SshError).hostKey));
    }
    this.state = 'connecting';
    this.connecting = connectClient(this.target, this.options).then(
      (client) => {
        this.connecting = undefined;
        if (this.closed) {
          client.end();
          throw new SshError('dropped', `the connection to ${this.name} is closed`);
        }
        const lane: Lane = { client, channels: new Set(), forwards: new Set(), capacity: Infinity };
        this.lanes.unshift(lane);
        client.once('close', () => this.laneClosed(lane));
        this.backoffMs = 0;
        this.lastError = undefined;
        this.state = 'up';
        this.emit('up');
        return lane;
      },
      (e: Error) => {
        this.connecting = undefined;
        this.failed(e);
        throw e;
      },
    );
    return this.connecting;
  }

  private laneClosed(lane: Lane): void {
    const wasPrimary = lane === this.lanes[0];
    this.lanes = this.lanes.filter((l) => l !== lane);
    clearTimeout(lane.idleTimer);
    const dropped = new SshError('dropped', `the SSH connection to ${this.name} (${this.where}) dropped during this call; Berth is reconnecting`);
    for (const ch of [...lane.channels, ...lane.forwards]) failChannel(ch, dropped);
    lane.channels.clear();
    lane.forwards.clear();
    if (!wasPrimary || this.closed) return;
    // The overflow lanes went through the same link; let them go with it.
    const rest = this.lanes;
    this.lanes = [];
    for (const l of rest) l.client.end();
    this.failed(new SshError('dropped', `the SSH connection to ${this.where} dropped`));
  }

  private failed(e: Error): void {
    this.lastError = e;
    this.state = 'down';
    this.backoffMs = Math.min(MAX_BACKOFF_MS, this.backoffMs ? this.backoffMs * 2 : MIN_BACKOFF_MS);
    this.retryAt = Date.now() + this.backoffMs;
    this.emit('down', e);
    clearTimeout(this.retryTimer);
    if (this.closed) return;
    this.retryTimer = setTimeout(() => void this.primary().catch(() => undefined), this.backoffMs);
    this.retryTimer.unref();
  }
}

/**
 * ssh2 channels only end on a drop; an HTTP request on one would fail with "socket hang up".
 * Emitting the reason first makes the request fail with it. A stream nobody listens to for errors
 * (a hijacked attach) just ends, as it would anyway.
 */
function failChannel(ch: ClientChannel, e: Error): void {
  if (ch.listenerCount('error') > 0) ch.emit('error', e);
}
