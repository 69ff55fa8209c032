import type net from 'node:net';
import type { Message } from 'vscode-jsonrpc/node';
import { SocketFrameWriter } from '../protocol/frameWriter.js';
import { redactStrings, type TextRedactor } from '../secrets/redact.js';

/**
 * A JSON-RPC message with every string of its result, params and error passed through the
 * redactor. Results carry text from servers (a tool, prompt or resource that quotes its token),
 * errors carry text from servers, Docker and SSH; so every message the daemon sends, on its socket
 * and through the gateway, goes through here. `jsonrpc`, `id` and `method` are Berth's own.
 * While no secret value is known the message is passed on untouched, without a walk through it.
 */
export function redactMessage<T extends object>(message: T, redactor: TextRedactor): T {
  if (redactor.idle) return message;
  const redact = (text: string) => redactor.redact(text);
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
export class RedactingMessageWriter extends SocketFrameWriter {
  constructor(
    socket: net.Socket,
    private readonly redactor: TextRedactor,
  ) {
    super(socket);
  }

  override write(msg: Message): Promise<void> {
    return super.write(redactMessage(msg, this.redactor));
  }
}
