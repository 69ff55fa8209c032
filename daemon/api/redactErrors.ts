import type net from 'node:net';
import { SocketMessageWriter, type Message } from 'vscode-jsonrpc/node';

/**
 * A JSON-RPC message with its error's text passed through the redactor. Error messages carry text
 * from servers, Docker and SSH (a tool that fails quoting its token, say), so every error the
 * daemon sends goes through here; other messages go out unchanged.
 */
export function redactError<T extends object>(message: T, redact: (text: string) => string): T {
  if (!('error' in message)) return message;
  const error = message.error;
  if (typeof error !== 'object' || error === null || !('message' in error) || typeof error.message !== 'string') return message;
  const text = redact(error.message);
  return text === error.message ? message : { ...message, error: { ...error, message: text } };
}

/** The daemon API's writer: every response that leaves the socket has its error text redacted. */
export class RedactingMessageWriter extends SocketMessageWriter {
  constructor(
    socket: net.Socket,
    private readonly redact: (text: string) => string,
  ) {
    super(socket);
  }

  override write(msg: Message): Promise<void> {
    return super.write(redactError(msg, this.redact));
  }
}
