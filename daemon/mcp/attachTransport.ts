import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { deserializeMessage, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Readable } from 'node:stream';

/** Lines longer than this are not MCP messages we are willing to buffer. */
const MAX_LINE_BYTES = 16 * 1024 * 1024;

/**
 * MCP's stdio framing (one JSON-RPC message per line) over a container's attached stdin/stdout.
 * A line that is not a JSON-RPC message is handed to `onGarbage` and skipped, so a chatty server
 * is reported instead of breaking the session.
 */
export class AttachTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private pending = Buffer.alloc(0);
  private closed = false;

  constructor(
    private readonly stdin: NodeJS.WritableStream,
    private readonly stdout: Readable,
    private readonly onGarbage: (line: string) => void,
  ) {}

  async start(): Promise<void> {
    this.stdout.on('data', (chunk: Buffer) => this.receive(chunk));
    this.stdout.on('end', () => this.finish());
    this.stdout.on('close', () => this.finish());
    this.stdout.on('error', (e: Error) => this.onerror?.(e));
  }

  private receive(chunk: Buffer): void {
    this.pending = Buffer.concat([this.pending, chunk]);
    let nl: number;
    while ((nl = this.pending.indexOf(0x0a)) >= 0) {
      const line = this.pending.subarray(0, nl).toString('utf8').replace(/\r$/, '');
      this.pending = this.pending.subarray(nl + 1);
      if (!line.trim()) continue;
      let message: JSONRPCMessage;
      try {
        message = deserializeMessage(line);
      } catch {
        this.onGarbage(line);
        continue;
      }
      this.onmessage?.(message);
    }
    if (this.pending.length > MAX_LINE_BYTES) {
      this.onGarbage(`${this.pending.subarray(0, 200).toString('utf8')}… (${this.pending.length} bytes without a newline)`);
      this.pending = Buffer.alloc(0);
    }
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.closed) throw new Error('the server container is no longer attached');
    await new Promise<void>((resolve, reject) => {
      this.stdin.write(serializeMessage(message), (err) => (err ? reject(err) : resolve()));
    });
  }

  async close(): Promise<void> {
    this.finish();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.onclose?.();
  }
}
