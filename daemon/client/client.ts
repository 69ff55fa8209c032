import { randomUUID } from 'node:crypto';
import { createMessageConnection, ResponseError, SocketMessageReader, type CancellationToken, type MessageConnection } from 'vscode-jsonrpc/node';
import type { z } from 'zod';
import { berthPaths, type BerthPaths } from '../protocol/paths.js';
import type { NotificationDef, RequestDef } from '../protocol/define.js';
import { BerthError } from '../protocol/errors.js';
import { SocketFrameWriter } from '../protocol/frameWriter.js';
import { DaemonPing, Initialize, PROTOCOL_VERSION, ProgressDidReport } from '../protocol/methods.js';
import { printable } from '../protocol/printable.js';
import { VERSION } from '../protocol/version.js';
import { openDaemonSocket } from './daemonSocket.js';

/** While a request is out, how often the daemon is asked whether it still answers, and how long it has to. */
const PING_EVERY_MS = 5_000;
const PING_TIMEOUT_MS = 30_000;
/** The daemon answers the handshake once its registry has loaded (at most about 10 s). */
const HANDSHAKE_TIMEOUT_MS = 45_000;

/** A typed connection to the daemon: requests and notifications checked against the protocol's schemas. */
export class DaemonClient {
  /** Rejects when the daemon goes away: vscode-jsonrpc would leave requests in flight pending forever. */
  private readonly closed: Promise<never>;

  constructor(
    readonly connection: MessageConnection,
    private readonly daemonLog: string,
  ) {
    this.closed = new Promise<never>((_, reject) => {
      connection.onClose(() => reject(new Error(`the Berth daemon closed the connection (did it stop or crash? see ${daemonLog})`)));
    });
    this.closed.catch(() => undefined);
  }

  /** `token` cancels the request: the daemon is told, and answers as the method says it does. */
  async request<P extends z.ZodType, R extends z.ZodType>(def: RequestDef<P, R>, params: z.input<P>, token?: CancellationToken): Promise<z.infer<R>> {
    const answer: Promise<unknown> = token ? this.connection.sendRequest(def.method, params, token) : this.connection.sendRequest(def.method, params);
    const watchdog = this.watch(answer, def.method === Initialize.method);
    try {
      return def.result.parse(await Promise.race([answer, this.closed, watchdog.stuck]));
    } catch (e) {
      // The daemon's code stays (protocol/errors.ts), so a caller can act on it; the rest of a ResponseError is noise.
      throw e instanceof ResponseError ? new BerthError(e.code, e.message) : new Error((e as Error).message);
    } finally {
      watchdog.stop();
    }
  }

  /**
   * Long requests (a build, a start) may take minutes, but a daemon that stops answering must not
   * hang its caller: while a request is out, the daemon is pinged, and one that does not answer a
   * ping in time fails the request with a sentence. The handshake, which the daemon answers once
   * its registry is ready, gets a plain deadline instead.
   */
  private watch(answer: Promise<unknown>, handshake: boolean): { stuck: Promise<never>; stop(): void } {
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const stuck = new Promise<never>((_, reject) => {
      const fail = () => reject(new Error(`the Berth daemon stopped answering (no reply within ${(handshake ? HANDSHAKE_TIMEOUT_MS : PING_TIMEOUT_MS) / 1000} s); see ${this.daemonLog}, or restart it with \`berth daemon stop\``));
      if (handshake) {
        timer = setTimeout(fail, HANDSHAKE_TIMEOUT_MS);
        return;
      }
      const tick = () => {
        timer = setTimeout(() => {
          const alive = this.connection.sendRequest(DaemonPing.method, {}).then(
            () => true,
            // An older daemon without daemon/ping still answered.
            () => true,
          );
          const late = new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
          });
          void Promise.race([alive, late]).then((ok) => {
            clearTimeout(timer);
            if (done) return;
            if (ok) tick();
            else fail();
          });
        }, PING_EVERY_MS);
      };
      tick();
    });
    stuck.catch(() => undefined);
    void answer.catch(() => undefined);
    return {
      stuck,
      stop: () => {
        done = true;
        clearTimeout(timer);
      },
    };
  }

  on<P extends z.ZodType>(def: NotificationDef<P>, handler: (params: z.infer<P>) => void): void {
    this.connection.onNotification(def.method, (raw: unknown) => {
      const parsed = def.params.safeParse(raw);
      if (parsed.success) handler(parsed.data);
    });
  }

  close(): void {
    this.connection.dispose();
  }
}

/** Joins the user's daemon, starting one unless `autoStart` is false (nothing to stop, say). */
export async function connectDaemon(paths: BerthPaths, clientName: string, autoStart = true): Promise<DaemonClient> {
  const socket = await openDaemonSocket(paths, { entry: process.argv[1] ?? '', execPath: process.execPath, autoStart, log: () => undefined });
  const connection = createMessageConnection(new SocketMessageReader(socket), new SocketFrameWriter(socket));
  connection.listen();
  const client = new DaemonClient(connection, paths.daemonLog);
  await client.request(Initialize, { initializationOptions: { protocolVersion: PROTOCOL_VERSION, client: { name: clientName, version: VERSION } } });
  return client;
}

/** Runs `fn` with a connection to the user's daemon; long work reports progress on a terminal. */
export async function withDaemon<T>(fn: (client: DaemonClient, progressToken: string) => Promise<T>): Promise<T> {
  const client = await connectDaemon(berthPaths(), 'berth-cli');
  const token = randomUUID();
  const showProgress = process.stderr.isTTY || process.env.BERTH_PROGRESS === '1';
  client.on(ProgressDidReport, (p) => {
    if (p.token === token && showProgress) process.stderr.write(`… ${printable(p.message)}\n`);
  });
  try {
    return await fn(client, token);
  } finally {
    client.close();
  }
}
