import type net from 'node:net';
import { AbstractMessageWriter, type Message, type MessageWriter } from 'vscode-jsonrpc/node';

/** A daemon API message above this is refused (and a `berth connect` line too): the largest real one (a spec, a secret) is far smaller. */
export const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

/**
 * The daemon socket's writer, on both ends. vscode-jsonrpc's own socket writer sends a message's
 * header and its body as two writes, the body only once the header's write has called back: two
 * system calls a message, and a reader woken for the header alone, on every hop of every MCP call
 * through `berth connect`. This one sends the same frame in one write, in the order written.
 */
export class SocketFrameWriter extends AbstractMessageWriter implements MessageWriter {
  private errors = 0;

  constructor(private readonly socket: net.Socket) {
    super();
    socket.on('error', (e: Error) => this.fireError(e));
    socket.on('close', () => this.fireClose());
  }

  write(msg: Message): Promise<void> {
    const body = JSON.stringify(msg);
    return new Promise((resolve, reject) => {
      this.socket.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`, 'utf8', (e) => {
        if (!e) return resolve();
        this.fireError(e, msg, ++this.errors);
        reject(e);
      });
    });
  }

  end(): void {
    this.socket.end();
  }

  override dispose(): void {
    super.dispose();
    this.socket.destroy();
  }
}
