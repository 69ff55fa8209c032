// The one object that owns Berth's side of the window (rust-analyzer style): the daemon client,
// the server model, the status bar and the views. Disposables live in one of two buckets: the
// extension's lifetime, or the current daemon session, so a daemon restart tears down only the
// session.
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import * as vscode from 'vscode';
import { CloseAction, ErrorAction, LanguageClient, ResponseError, State, type LanguageClientOptions, type StreamInfo } from 'vscode-languageclient/node';
import type { z } from 'zod';
import { berthPaths, type BerthPaths } from '../daemon/protocol/paths.js';
import type { RequestDef } from '../daemon/protocol/define.js';
import { BerthError } from '../daemon/protocol/errors.js';
import * as M from '../daemon/protocol/methods.js';
import { SecretsList, SecretsProvide } from '../daemon/protocol/policy.js';
import type { Alert, AlertsState } from '../daemon/protocol/alerts.js';
import { AlertsDidChange, AlertsList } from '../daemon/protocol/metrics.js';
import type { LogLine, ServerStatus } from '../daemon/protocol/status.js';
import { newlyFired } from './alerts/alertText.js';
import { TestsDidReport, type TestEvent } from '../daemon/protocol/testRuns.js';
import { VERSION } from '../daemon/protocol/version.js';
import { readConfig } from './config.js';
import { openDaemonSocket } from '../daemon/client/daemonSocket.js';
import { VersionMemory } from './mcp/definitions.js';
import { redactingTraceChannel } from './logs/redactTrace.js';
import { escapedChannel } from './logs/escapedChannel.js';
import { EditorSecretStore, secretsNamedBy } from './secrets/editorSecretStore.js';
import { statusBarContent, type ConnectionState } from './status/statusText.js';
import { inert } from './untrustedText.js';


/** The client's own restarts: up to 5 within 3 minutes, then it gives up and says so. */
const RESTART_WINDOW_MS = 3 * 60_000;
const MAX_RESTARTS = 5;

/** LanguageClient's own notifications are generic ("couldn't create connection"); Ctx shows readable ones instead. */
class DaemonLanguageClient extends LanguageClient {
  override error(message: string, data?: unknown): void {
    super.error(message, data, false);
  }
}

export class Ctx implements vscode.Disposable {
  readonly paths: BerthPaths = berthPaths();
  readonly output: vscode.LogOutputChannel;
  readonly client: LanguageClient;
  readonly toolVersions: VersionMemory;
  /** Secret values this window keeps in SecretStorage and hands to the daemon (memory only there). */
  readonly secrets: EditorSecretStore;

  /** Lives as long as the extension. */
  private readonly subscriptions: vscode.Disposable[] = [];
  /** Lives as long as one daemon connection. */
  private session: vscode.Disposable[] = [];

  private servers: ServerStatus[] = [];
  private alerts: AlertsState = { open: [], recent: [] };
  /** Alert ids already known here: each alert is announced once, and those open at connect not at all. */
  private readonly seenAlerts = new Set<string>();
  private state: ConnectionState = { kind: 'connecting' };
  private readonly statusBar: vscode.StatusBarItem;
  private readonly progress = new Map<string, (message: string) => void>();
  private readonly testReports = new Map<string, (event: TestEvent) => void>();
  private readonly restarts: number[] = [];

  private readonly serversChanged = new vscode.EventEmitter<readonly ServerStatus[]>();
  /** Fires with the full list whenever the daemon reports a change (or a session starts). */
  readonly onDidChangeServers = this.serversChanged.event;
  private readonly stateChanged = new vscode.EventEmitter<ConnectionState>();
  readonly onDidChangeState = this.stateChanged.event;
  private readonly sessionStarted = new vscode.EventEmitter<void>();
  private readonly alertsChanged = new vscode.EventEmitter<AlertsState>();
  readonly onDidChangeAlerts = this.alertsChanged.event;
  private readonly alertsFired = new vscode.EventEmitter<readonly Alert[]>();
  /** Alerts that fired while this window was connected, each once. */
  readonly onDidFireAlerts = this.alertsFired.event;
  private readonly logsAppended = new vscode.EventEmitter<{ subscription: string; lines: readonly LogLine[] }>();
  /** Lines pushed to a `logs/follow` subscription; each follower picks its own (the client keeps one handler per notification). */
  readonly onDidAppendLogs = this.logsAppended.event;
  /** A new daemon connection is ready; per-connection things (log follows) re-subscribe here. */
  readonly onDidStartSession = this.sessionStarted.event;

  constructor(readonly extension: vscode.ExtensionContext) {
    // Entries quote the daemon and its servers (errors, reasons): each stays one line.
    this.output = escapedChannel(vscode.window.createOutputChannel('Berth', { log: true }));
    this.toolVersions = new VersionMemory(extension.globalState.get<Record<string, string>>('berth.toolVersions', {}));
    this.secrets = new EditorSecretStore(extension.secrets, extension.globalState);
    this.statusBar = vscode.window.createStatusBarItem('berth.status', vscode.StatusBarAlignment.Left, 10);
    this.statusBar.name = 'Berth';
    this.statusBar.command = 'berth.servers.focus';
    this.client = this.createClient();
    this.push(this.output, this.statusBar, this.serversChanged, this.stateChanged, this.sessionStarted, this.alertsChanged, this.alertsFired, this.logsAppended);
    this.push(
      this.client.onNotification(M.ServersDidChange.method, (raw: unknown) => {
        const parsed = M.ServersDidChange.params.safeParse(raw);
        if (parsed.success) this.setServers(parsed.data.servers);
      }),
      this.client.onNotification(AlertsDidChange.method, (raw: unknown) => {
        const parsed = AlertsDidChange.params.safeParse(raw);
        if (!parsed.success) return;
        const fired = newlyFired(this.seenAlerts, parsed.data.open);
        this.setAlerts(parsed.data);
        if (fired.length) this.alertsFired.fire(fired);
      }),
      this.client.onNotification(M.LogsDidAppend.method, (raw: unknown) => {
        const parsed = M.LogsDidAppend.params.safeParse(raw);
        if (parsed.success) this.logsAppended.fire(parsed.data);
      }),
      this.client.onNotification(M.ProgressDidReport.method, (raw: unknown) => {
        const parsed = M.ProgressDidReport.params.safeParse(raw);
        if (parsed.success) this.progress.get(parsed.data.token)?.(parsed.data.message);
      }),
      this.client.onNotification(TestsDidReport.method, (raw: unknown) => {
        const parsed = TestsDidReport.params.safeParse(raw);
        if (parsed.success) this.testReports.get(parsed.data.token)?.(parsed.data.event);
      }),
      this.client.onDidChangeState((e) => {
        if (e.newState === State.Running) void this.startSession();
        else this.endSession();
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.loadWorkspaceSpecs()),
      vscode.workspace.onDidChangeWorkspaceFolders(() => void this.loadWorkspaceSpecs()),
    );
    // A spec file that appears after the window opened (a pull, a new file) is handed over too; the
    // daemon follows its edits from then on.
    const specs = vscode.workspace.createFileSystemWatcher('**/.berth/servers.yaml', false, true, true);
    this.subscriptions.push(
      specs,
      specs.onDidCreate(() => void this.loadWorkspaceSpecs()),
    );
    this.renderStatus();
    this.statusBar.show();
  }

  push(...disposables: vscode.Disposable[]): void {
    this.subscriptions.push(...disposables);
  }

  pushSession(...disposables: vscode.Disposable[]): void {
    this.session.push(...disposables);
  }

  get serverList(): readonly ServerStatus[] {
    return this.servers;
  }

  get connection(): ConnectionState {
    return this.state;
  }

  /** A server's open alerts (all servers' without a name). */
  openAlerts(name?: string): readonly Alert[] {
    return name === undefined ? this.alerts.open : this.alerts.open.filter((a) => a.server === name);
  }

  server(name: string): ServerStatus | undefined {
    return this.servers.find((s) => s.name === name);
  }

  /** The berth CLI this window uses: the setting, or the one bundled beside the extension. */
  get berthEntry(): string {
    return readConfig().daemonPath ?? this.extension.asAbsolutePath('dist/berth.js');
  }

  private createClient(): LanguageClient {
    const serverOptions = async (): Promise<StreamInfo> => {
      const config = readConfig();
      const socket = await openDaemonSocket(this.paths, { entry: this.berthEntry, execPath: process.execPath, autoStart: config.autoStart, log: (l) => this.output.info(l) });
      return { reader: socket, writer: socket };
    };
    const clientOptions: LanguageClientOptions = {
      // Berth serves no documents; the LSP machinery is used for the connection's lifecycle only.
      documentSelector: [],
      initializationOptions: { protocolVersion: M.PROTOCOL_VERSION, client: { name: 'berth-vscode', version: VERSION } },
      outputChannel: this.output,
      // Verbose tracing logs every request's params; those that carry secret values are left out.
      traceOutputChannel: redactingTraceChannel(this.output),
      initializationFailedHandler: (error) => {
        this.setState({ kind: 'failed', error: errorMessage(error) });
        return false;
      },
      errorHandler: {
        error: () => ({ action: ErrorAction.Continue, handled: true }),
        closed: () => {
          const now = Date.now();
          this.restarts.push(now);
          while (this.restarts.length > 0 && (this.restarts[0] ?? now) < now - RESTART_WINDOW_MS) this.restarts.shift();
          if (this.restarts.length > MAX_RESTARTS) {
            const error = `the connection to the Berth daemon closed ${MAX_RESTARTS} times in 3 minutes; see ${this.paths.daemonLog}, then run "Berth: Restart Daemon"`;
            this.setState({ kind: 'failed', error });
            void this.showError(error);
            return { action: CloseAction.DoNotRestart, handled: true };
          }
          this.output.warn('the daemon connection closed; reconnecting (a new daemon is started if none answers)');
          this.setState({ kind: 'connecting' });
          return { action: CloseAction.Restart, handled: true };
        },
      },
    };
    return new DaemonLanguageClient('berth', 'Berth', serverOptions, clientOptions);
  }

  /** Connects (starting a daemon if needed). Never throws: failures show in the status bar and views. */
  async start(): Promise<void> {
    this.setState({ kind: 'connecting' });
    try {
      await this.client.start();
    } catch (e) {
      const error = errorMessage(e);
      this.output.error(`could not connect to the Berth daemon: ${error}`);
      this.setState({ kind: 'failed', error });
      void this.showError(`Berth could not connect to its daemon: ${error}`);
    }
  }

  /** Resolves once connected; rejects if the connection fails or takes longer than `timeoutMs`. */
  async whenConnected(timeoutMs = 30_000): Promise<void> {
    if (this.state.kind === 'connected') return;
    if (this.state.kind === 'failed') throw new Error(this.state.error);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => done(new Error('the Berth daemon did not answer in time')), timeoutMs);
      const sub = this.onDidChangeState((s) => {
        if (s.kind === 'connected') done();
        else if (s.kind === 'failed') done(new Error(s.error));
      });
      const done = (err?: Error) => {
        clearTimeout(timer);
        sub.dispose();
        if (err) reject(err);
        else resolve();
      };
    });
  }

  /** A typed request: params checked by the compiler, the answer checked against the protocol's schema. */
  async request<P extends z.ZodType, R extends z.ZodType>(def: RequestDef<P, R>, params: z.input<P>, token?: vscode.CancellationToken): Promise<z.infer<R>> {
    await this.whenConnected();
    return this.send(def, params, token);
  }

  private async send<P extends z.ZodType, R extends z.ZodType>(def: RequestDef<P, R>, params: z.input<P>, token?: vscode.CancellationToken): Promise<z.infer<R>> {
    let raw: unknown;
    try {
      raw = await this.client.sendRequest(def.method, params, token);
    } catch (e) {
      // ResponseError carries the daemon's code and readable message; the rest of the object is noise.
      throw e instanceof ResponseError ? new BerthError(e.code, e.message) : new Error(errorMessage(e));
    }
    return def.result.parse(raw);
  }

  /** Runs a long request with `progressToken` set, forwarding the daemon's progress messages. */
  async withDaemonProgress<T>(report: (message: string) => void, run: (progressToken: string) => Promise<T>): Promise<T> {
    const token = randomUUID();
    this.progress.set(token, report);
    try {
      return await run(token);
    } finally {
      this.progress.delete(token);
    }
  }

  /** Runs a test run with `progressToken` set, handing each of the daemon's test events to `report`. */
  async withTestReports<T>(report: (event: TestEvent) => void, run: (progressToken: string) => Promise<T>): Promise<T> {
    const token = randomUUID();
    this.testReports.set(token, report);
    try {
      return await run(token);
    } finally {
      this.testReports.delete(token);
    }
  }

  /** Re-reads the daemon's state; used on connect, on Retry, and when the engine may have changed. */
  async refresh(): Promise<void> {
    // Not `request`: that waits for `connected`, which this very call establishes.
    const [status, servers, alerts] = await Promise.all([this.send(M.DaemonStatus, {}), this.send(M.ServersList, {}), this.send(AlertsList, {})]);
    this.state = { kind: 'connected', daemonVersion: status.version, pid: status.pid, engine: status.engine, specErrors: status.specErrors, notices: status.notices };
    this.setAlerts(alerts);
    this.setServers(servers);
    this.stateChanged.fire(this.state);
    this.renderStatus();
    void vscode.commands.executeCommand('setContext', 'berth.connection', 'connected');
    void vscode.commands.executeCommand('setContext', 'berth.engineOk', status.engine.ok);
  }

  /**
   * Hands the daemon the secret values this window keeps: those the given servers' specs name
   * (before they start), or all of them (after a (re)connect: a new daemon holds none, and servers
   * started by other clients need them too). The daemon keeps them in memory only.
   */
  async handOverSecrets(servers?: readonly string[]): Promise<void> {
    const held = this.secrets.names();
    if (held.length === 0) return;
    const names = servers ? secretsNamedBy(await this.request(SecretsList, {}), servers, held) : held;
    const secrets = await this.secrets.values(names);
    if (secrets.length) await this.request(SecretsProvide, { secrets });
  }

  /** Stops the daemon (every window reconnects to a fresh one) and reconnects this window. */
  async restartDaemon(): Promise<void> {
    if (this.client.isRunning()) {
      await this.client.sendRequest(M.DaemonShutdown.method, {}).catch(() => undefined);
      await this.client.stop().catch(() => undefined);
      await waitForSocketGone(this.paths.socket, 10_000);
    }
    this.restarts.length = 0;
    await this.start();
  }

  /**
   * Hands the daemon each workspace folder that has a `.berth/servers.yaml` — only when the
   * workspace is trusted: an untrusted folder's file is never loaded, so nothing it names starts.
   */
  private async loadWorkspaceSpecs(): Promise<void> {
    if (!vscode.workspace.isTrusted || this.state.kind !== 'connected') return;
    for (const f of vscode.workspace.workspaceFolders ?? []) {
      if (f.uri.scheme !== 'file') continue;
      const spec = vscode.Uri.joinPath(f.uri, '.berth', 'servers.yaml');
      const exists = await vscode.workspace.fs.stat(spec).then(
        () => true,
        () => false,
      );
      if (!exists) continue;
      await this.request(M.WorkspacesAdd, { folder: f.uri.fsPath }).catch((e: unknown) => this.output.error(`could not load ${spec.fsPath}: ${errorMessage(e)}`));
    }
  }

  private async startSession(): Promise<void> {
    this.endSession();
    try {
      await this.refresh();
      const s = this.state;
      this.output.info(s.kind === 'connected' ? `connected to daemon ${s.daemonVersion} (pid ${s.pid})` : 'connected');
      if (s.kind === 'connected' && !s.engine.ok) void this.warnNoEngine(s.engine.error ?? 'unknown error');
      await this.handOverSecrets().catch((e: unknown) => this.output.error(`could not hand the daemon this window's secrets: ${errorMessage(e)}`));
      await this.loadWorkspaceSpecs();
      this.sessionStarted.fire();
    } catch (e) {
      const error = `the daemon answered but its status could not be read: ${errorMessage(e)}`;
      this.output.error(error);
      this.setState({ kind: 'failed', error });
    }
  }

  private endSession(): void {
    for (const d of this.session.splice(0)) d.dispose();
  }

  private async warnNoEngine(error: string): Promise<void> {
    // The daemon's message already says what to do ("start Docker or set DOCKER_HOST").
    const choice = await vscode.window.showErrorMessage(
      inert(`Berth cannot reach Docker: ${error}`),
      'Retry',
      'Show Daemon Log',
    );
    if (choice === 'Retry') {
      await this.refresh().catch((e: unknown) => this.showError(errorMessage(e)));
      if (this.state.kind === 'connected' && !this.state.engine.ok) void this.warnNoEngine(this.state.engine.error ?? 'unknown error');
    } else if (choice === 'Show Daemon Log') {
      await vscode.commands.executeCommand('berth.daemon.showLog');
    }
  }

  private async showError(message: string): Promise<void> {
    const choice = await vscode.window.showErrorMessage(inert(message), 'Show Output');
    if (choice === 'Show Output') this.output.show();
  }

  private setState(state: ConnectionState): void {
    this.state = state;
    this.stateChanged.fire(state);
    this.renderStatus();
    void vscode.commands.executeCommand('setContext', 'berth.connection', state.kind);
  }

  private setServers(servers: ServerStatus[]): void {
    this.servers = servers;
    if (this.toolVersions.update(servers)) void this.extension.globalState.update('berth.toolVersions', this.toolVersions.toJSON());
    void vscode.commands.executeCommand('setContext', 'berth.serverCount', servers.length);
    this.serversChanged.fire(servers);
    this.renderStatus();
  }

  private setAlerts(alerts: AlertsState): void {
    this.alerts = alerts;
    for (const a of [...alerts.open, ...alerts.recent]) this.seenAlerts.add(a.id);
    this.alertsChanged.fire(alerts);
    this.renderStatus();
  }

  private renderStatus(): void {
    const c = statusBarContent(this.state, this.servers, this.alerts.open);
    this.statusBar.text = c.text;
    this.statusBar.tooltip = c.tooltip;
    this.statusBar.backgroundColor =
      c.severity === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : c.severity === 'warning' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
  }

  async dispose(): Promise<void> {
    this.endSession();
    // `stop` sends shutdown + exit: the daemon closes this connection only and keeps serving others.
    if (this.client.isRunning()) await this.client.stop(2000).catch(() => undefined);
    for (const d of this.subscriptions.splice(0).reverse()) d.dispose();
  }
}

/** An error the user has already been shown, with its own actions; command wrappers log it but do not show it again. */
export class ShownError extends Error {}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'object' && e !== null && 'message' in e && typeof e.message === 'string') return e.message;
  return String(e);
}

async function waitForSocketGone(socket: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const answers = await new Promise<boolean>((resolve) => {
      const s = net.connect(socket);
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (!answers) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}
