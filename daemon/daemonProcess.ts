import { chmod, lstat, mkdir, unlink } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { ApiServer } from './api/server.js';
import { acquireDaemonLock } from './daemonLock.js';
import { daemonLog as log } from './daemonLog.js';
import { listenOnStablePort } from './gateway/port.js';
import { Gateway } from './gateway/server.js';
import { loadOrCreateToken } from './gateway/token.js';
import { DockerRuntime } from './hosts/dockerRuntime.js';
import { Hosts } from './hosts/hosts.js';
import { AuditLog } from './logs/audit.js';
import { sweepThrowaways } from './servers/throwaways.js';
import { LogStore } from './logs/store.js';
import { Metrics } from './metrics/metrics.js';
import { OtlpExporter, telemetrySettingsFile } from './metrics/otlp.js';
import type { BerthPaths } from './protocol/paths.js';
import { SecurityContext } from './policy/context.js';
import { Registry } from './servers/registry.js';
import { UpdateHistory } from './updates/history.js';
import { Updates } from './updates/updates.js';
import { VERSION } from './protocol/version.js';
import { berthServing } from './berthMcp/serve.js';
import { berthMcpSettingsFile } from './berthMcp/settingsFile.js';
import { BERTH_TOOLS } from './berthMcp/tools.js';

/** How long clients wait for the registry before being served anyway. */
const READY_TIMEOUT_MS = 10_000;

/**
 * Runs the daemon in this process until SIGTERM/SIGINT. Containers outlive the daemon: on exit it
 * lets go of them, and the next daemon adopts them by label.
 */
export async function runDaemon(paths: BerthPaths): Promise<void> {
  const lock = await acquireDaemonLock(paths.socket);
  // A client may connect the moment the socket listens (a CLI that started this daemon polls for
  // it); hold those connections until the API serves them, or they would wait forever unread.
  // Held from the first instant: one that came while the socket's mode was still being set was
  // accepted with nobody listening, and never answered (seen on a loaded CI machine).
  const early: net.Socket[] = [];
  const holdEarly = (socket: net.Socket) => early.push(socket);
  const server = await listenExclusively(paths.socket, holdEarly);
  // After an uncaught exception Node's state is undefined (a half-run handler, a lock held, a
  // stream mid-write): the daemon logs it and exits. Containers outlive it; the next client starts
  // a daemon, which adopts them by label. A rejected promise nobody awaited is logged only.
  process.on('uncaughtException', (e) => {
    log(`internal error, so the daemon exits (clients start it again, and it adopts the running servers); please report it: ${e.stack ?? e.message}`);
    process.exit(1);
  });
  process.on('unhandledRejection', (e) => log(`internal error (the daemon goes on; please report it): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`));
  // Test-only, read once here: SIGUSR2 throws from a handler, as a bug would, so the suite can see the daemon exit and come back.
  if (process.env.BERTH_TEST_THROW_ON_SIGUSR2 === '1') {
    process.on('SIGUSR2', () => {
      throw new Error('thrown on SIGUSR2, as BERTH_TEST_THROW_ON_SIGUSR2 asked');
    });
  }
  let shutdown: (why: string) => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    shutdown = (why) => {
      log(`${why}; detaching from containers and exiting`);
      resolve();
    };
  });
  process.once('SIGTERM', () => shutdown('received SIGTERM'));
  process.once('SIGINT', () => shutdown('received SIGINT'));
  const rt = new DockerRuntime();
  const hosts = new Hosts({ configDir: path.dirname(paths.userSpecFile), stateDir: paths.stateDir, local: rt, localAddress: process.env.DOCKER_HOST || 'unix:///var/run/docker.sock' });
  await hosts.open();
  const security = SecurityContext.open(paths);
  const logs = new LogStore(paths.logsDir, { redact: (text) => security.redact(text) });
  let api: ApiServer | undefined;
  let gateway: Gateway | undefined;
  let registry: Registry | undefined;
  const metrics = new Metrics(() => registry?.all() ?? [], {
    alert: ({ kind, alert }) => logs.append(alert.server, 'berth', `alert ${kind === 'fired' ? 'fired' : 'cleared'}: ${alert.rule}: ${alert.message}\n`),
    alertsChanged: (state) => api?.broadcastAlerts(state),
  });
  const traces = new OtlpExporter(telemetrySettingsFile(paths.userSpecFile), VERSION);
  const audit = new AuditLog(
    paths.stateDir,
    (text) => security.redact(text),
    (entry) => {
      metrics.record(entry);
      traces.record(entry);
    },
    // In `berth status` as well as the daemon log: an audit that loses records must be seen.
    (sentence) => (registry ? registry.notice(sentence) : log(sentence)),
  );
  registry = new Registry({
    rt,
    hosts,
    logs,
    audit,
    instance: paths.instance,
    userSpecFile: paths.userSpecFile,
    stateDir: paths.stateDir,
    security,
    onChange: () => {
      api?.broadcastServers();
      gateway?.serversChanged();
    },
  });
  const opened = registry.open().catch((e: Error) => {
    // A dead engine must not kill the daemon: clients still get answers that say what is wrong.
    log(`could not adopt containers: ${e.message}`);
  });
  // Clients wait for adoption to be queued, but never on an engine that hangs.
  const ready = Promise.race([opened, new Promise<void>((resolve) => setTimeout(resolve, READY_TIMEOUT_MS).unref())]);
  const berth = berthServing({ registry, hosts, logs, audit }, BERTH_TOOLS, berthMcpSettingsFile(paths.userSpecFile));
  gateway = new Gateway(registry, await loadOrCreateToken(paths.stateDir), security.redactor, berth, metrics.source);
  metrics.start();
  const port = await listenOnStablePort(gateway, paths.stateDir, process.env, (sentence) => registry.notice(sentence));
  // No run is in progress yet: every throwaway test container of this home is a killed run's leftover.
  void sweepThrowaways(rt, paths.instance).then(
    (n) => n && log(`removed ${n} throwaway test container${n === 1 ? '' : 's'} left by an interrupted test run`),
    () => undefined,
  );
  const testing = { audit, instance: paths.instance, stateDir: paths.stateDir };
  const history = await UpdateHistory.open(paths.stateDir, (sentence) => registry.notice(sentence));
  const updates = new Updates({ registry, audit, logs, history, security, instance: paths.instance, testing: { ...testing, rt, registry, logs, security } });
  void ready.then(() => updates.start());
  api = new ApiServer({ version: VERSION, userSpecFile: paths.userSpecFile, rt, registry, logs, security, ready, gateway, metrics, testing, updates, shutdown: () => shutdown('asked to shut down') });
  api.attach(server);
  server.off('connection', holdEarly);
  for (const socket of early) if (!socket.destroyed) server.emit('connection', socket);
  log(`berth daemon ${VERSION} (pid ${process.pid}) listening on ${paths.socket}; gateway on http://127.0.0.1:${port}`);

  await stopped;
  metrics.stop();
  updates.close();
  registry.close();
  // The calls recorded last are still queued for the disk; a clean shutdown loses none of them.
  await audit.close();
  await traces.close();
  hosts.close();
  gateway.close();
  server.close();
  await unlink(paths.socket).catch(() => undefined);
  lock.release();
}

/** Listens on the socket (the caller holds the daemon lock); a stale socket file is replaced. */
async function listenExclusively(socket: string, onConnection: (s: net.Socket) => void): Promise<net.Server> {
  await mkdir(path.dirname(socket), { recursive: true, mode: 0o700 });
  const existing = await lstat(socket).catch(() => undefined);
  if (existing) {
    const uid = process.getuid?.();
    if (uid !== undefined && existing.uid !== uid) {
      throw new Error(`the daemon socket ${socket} belongs to uid ${existing.uid}, not to you (uid ${uid}); remove it or set BERTH_HOME to use another folder`);
    }
    if (!existing.isSocket()) throw new Error(`${socket} exists and is not a socket; remove it and try again`);
    if (await answers(socket)) throw new Error(`a Berth daemon is already running on ${socket}; stop it first (or use that one)`);
    await unlink(socket);
  }
  const server = net.createServer(onConnection);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, () => resolve());
  });
  await chmod(socket, 0o600);
  return server;
}

function answers(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(socket);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

