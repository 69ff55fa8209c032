import { isJSONRPCNotification, isJSONRPCResponse, serializeMessage, type JSONRPCMessage, type Transport } from '@modelcontextprotocol/client';
import type { Readable } from 'node:stream';

/** Lines longer than this are not MCP messages we are willing to buffer. */
const MAX_LINE_BYTES = 16 * 1024 * 1024;

/**
 * MCP's stdio framing (one JSON-RPC message per line) over a container's attached stdin/stdout.
 * A line that is not a JSON-RPC message is handed to `onGarbage` and skipped, so a chatty server
 * is reported instead of breaking the session.
 *
 * The SDK handles a notification on a later tick but a response at once, and forgets a call's
 * progress callback with its response: a call's last progress, read together with its result,
 * would be lost (modelcontextprotocol/typescript-sdk#2580). So once a notification is handed over,
 * the messages after it wait for the next turn of the event loop if a response is among them.
 */
export class AttachTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  /** The unterminated line so far, as the chunks it came in: joined once, when its newline arrives. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private closed = false;
  /** A notification was handed over this turn of the event loop, and the SDK has yet to handle it. */
  private notified = false;
  /** Messages held behind a notification the SDK has yet to handle, in the order they came. */
  private held: JSONRPCMessage[] = [];
  /** The output ended while messages were held: the transport closes once they are handed over. */
  private closing = false;

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

  /** Only the new chunk is searched for newlines, so a message in many chunks costs its size, not its size squared. */
  private receive(chunk: Buffer): void {
    let start = 0;
    let nl: number;
    while ((nl = chunk.indexOf(0x0a, start)) >= 0) {
      const tail = chunk.subarray(start, nl);
      const line = this.pending.length ? Buffer.concat([...this.pending, tail]) : tail;
      this.pending = [];
      this.pendingBytes = 0;
      this.deliver(line.toString('utf8').replace(/\r$/, ''));
      start = nl + 1;
    }
    if (start === chunk.length) return;
    this.pending.push(chunk.subarray(start));
    this.pendingBytes += chunk.length - start;
    if (this.pendingBytes > MAX_LINE_BYTES) {
      const head = Buffer.concat(this.pending, 200).toString('utf8');
      this.onGarbage(`${head}… (${this.pendingBytes} bytes without a newline)`);
      this.pending = [];
      this.pendingBytes = 0;
    }
  }

  private deliver(line: string): void {
    if (!line.trim()) return;
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      message = undefined;
    }
    if (!isMessage(message)) {
      this.onGarbage(line);
      return;
    }
    if (this.held.length || (this.notified && isJSONRPCResponse(message))) this.held.push(message);
    else this.hand(message);
  }

  private hand(message: JSONRPCMessage): void {
    if (isJSONRPCNotification(message) && !this.notified) {
      this.notified = true;
      setImmediate(() => this.release());
    }
    this.onmessage?.(message);
  }

  /** The notifications handed over have been handled: what was held goes on, until a response meets a new notification. */
  private release(): void {
    this.notified = false;
    while (this.held.length && !(this.notified && isJSONRPCResponse(this.held[0]!))) this.hand(this.held.shift()!);
    if (this.closing && !this.held.length) this.finish();
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.closed) throw new Error('the server container is no longer attached');
    await new Promise<void>((resolve, reject) => {
      this.stdin.write(serializeMessage(message), (err) => (err ? reject(err) : resolve()));
    });
  }

  /** Berth closes the session: nothing more is handed over. */
  async close(): Promise<void> {
    this.held = [];
    this.finish();
  }

  /** The server's output ended: what it sent before that is handed over first. */
  private finish(): void {
    if (this.closed) return;
    if (this.held.length) {
      this.closing = true;
      return;
    }
    this.closed = true;
    this.onclose?.();
  }
}

/**
 * Whether a parsed line has a JSON-RPC message's shape. The SDK's Protocol checks each message it
 * is handed against its schemas anyway, so this is only the line between MCP and a server's chatter,
 * without a schema parse of every message twice.
 */
function isMessage(v: unknown): v is JSONRPCMessage {
  if (typeof v !== 'object' || v === null || (v as { jsonrpc?: unknown }).jsonrpc !== '2.0') return false;
  const m = v as Record<string, unknown>;
  if (typeof m.method === 'string') return true;
  return (typeof m.id === 'string' || typeof m.id === 'number' || m.id === null) && ('result' in m || 'error' in m);
}
