import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { createMessageConnection, SocketMessageReader, SocketMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { z } from 'zod';
import type { BerthPaths } from '../paths.js';
import { Initialize, PROTOCOL_VERSION, type NotificationDef, type RequestDef } from '../protocol/methods.js';
import { VERSION } from '../version.js';

/** A typed connection to the daemon: requests and notifications checked against the protocol's schemas. */
export class DaemonClient {
  constructor(readonly connection: MessageConnection) {}

  async request<P extends z.ZodType, R extends z.ZodType>(def: RequestDef<P, R>, params: z.input<P>): Promise<z.infer<R>> {
    try {
      return def.result.parse(await this.connection.sendRequest(def.method, params));
    } catch (e) {
      throw new Error((e as Error).message);
    }
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

function connectSocket(socket: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(socket);
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** Connects to the user's daemon, starting one in the background if none answers. */
export async function connectDaemon(paths: BerthPaths, clientName: string, opts: { autostart?: boolean; entry?: string } = {}): Promise<DaemonClient> {
  let socket = await connectSocket(paths.socket).catch(() => undefined);
  if (!socket && opts.autostart !== false) {
    const daemon = await startDaemon(paths, opts.entry ?? process.argv[1] ?? '');
    socket = await waitForSocket(paths, daemon, 15_000);
  }
  if (!socket) throw new Error(`no Berth daemon is running on ${paths.socket}; start one with \`berth daemon\``);
  const connection = createMessageConnection(new SocketMessageReader(socket), new SocketMessageWriter(socket));
  connection.listen();
  const client = new DaemonClient(connection);
  await client.request(Initialize, { initializationOptions: { protocolVersion: PROTOCOL_VERSION, client: { name: clientName, version: VERSION } } });
  return client;
}

async function startDaemon(paths: BerthPaths, entry: string): Promise<{ exited: boolean }> {
  await mkdir(path.dirname(paths.daemonLog), { recursive: true, mode: 0o700 });
  const out = openSync(paths.daemonLog, 'a', 0o600);
  const child = spawn(process.execPath, [entry, 'daemon'], { detached: true, stdio: ['ignore', out, out], env: process.env });
  closeSync(out);
  const state = { exited: false };
  child.once('exit', () => (state.exited = true));
  child.unref();
  return state;
}

async function waitForSocket(paths: BerthPaths, daemon: { exited: boolean }, timeoutMs: number): Promise<net.Socket> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await connectSocket(paths.socket).catch(() => undefined);
    if (s) return s;
    if (daemon.exited) throw new Error(`the Berth daemon could not start: ${await lastLine(paths.daemonLog)}`);
    if (Date.now() > deadline) throw new Error(`the Berth daemon did not come up within ${timeoutMs / 1000} s; see ${paths.daemonLog}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function lastLine(file: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const lines = text.trim().split('\n');
  return (lines[lines.length - 1] ?? '').replace(/^\S+Z /, '').replace(/^berth: /, '') || `see ${file}`;
}
