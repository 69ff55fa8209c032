import type net from 'node:net';
import { SocketMessageWriter, type Message } from 'vscode-jsonrpc/node';
import { redactStrings } from '../secrets/redact.js';

/**
 * A JSON-RPC message with every string of its result, params and error passed through the
 * redactor. Results carry text from servers (a tool, prompt or resource that quotes its token),
 * errors carry text from servers, Docker and SSH; so every message the daemon sends, on its socket
 * and through the gateway, goes through here. `jsonrpc`, `id` and `method` are Berth's own.
 */
export function redactMessage<T extends object>(message: T, redact: (text: string) => string): T {
  let out = message;
  for (const key of ['result', 'params', 'error'] as const) {
    if (!(key in message)) continue;
    const value: unknown = (message as Record<string, unknown>)[key];
    const redacted = redactStrings(value, redact);
    if (redacted !== value) out = { ...out, [key]: redacted };
  }
  return out;
}

/** The daemon API's writer: every message that leaves the socket has known secret values replaced. */
export class RedactingMessageWriter extends SocketMessageWriter {
  constructor(
    socket: net.Socket,
    private readonly redact: (text: string) => string,
  ) {
    super(socket);
  }

  override write(msg: Message): Promise<void> {
    return super.write(redactMessage(msg, this.redact));
  }
}
