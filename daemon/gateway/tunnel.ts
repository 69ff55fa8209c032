import type { JSONRPCMessage, Transport } from '@modelcontextprotocol/server';

/**
 * The daemon's end of one `berth connect` channel, as an MCP transport: messages come in already
 * parsed (they are part of a daemon API frame) and go out to be framed the same way, so nothing is
 * parsed or serialized twice on the way.
 */
export class TunnelTransport implements Transport {
  onmessage?: (message: JSONRPCMessage) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  private closed = false;
  /** Messages held behind one the `inspect` hook has the channel wait on, in order. */
  private waiting = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly out: (message: JSONRPCMessage) => void,
    /** Told once when the channel ends, whoever ends it. */
    private readonly ended: () => void,
    /** Sees each message from the client first; what it returns (never rejecting) is waited on before that message and those after it go on. */
    private readonly inspect?: (message: JSONRPCMessage) => Promise<void> | undefined,
  ) {}

  async start(): Promise<void> {}

  send(message: JSONRPCMessage): Promise<void> {
    if (!this.closed) this.out(message);
    return Promise.resolve();
  }

  /** A message from the client. */
  receive(message: unknown): void {
    if (this.closed) return;
    const m = message as JSONRPCMessage;
    const hold = this.inspect?.(m);
    if (!hold && this.waiting === 0) return this.onmessage?.(m);
    this.waiting++;
    this.queue = this.queue
      .then(() => hold)
      .then(() => {
        this.waiting--;
        if (!this.closed) this.onmessage?.(m);
      });
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.onclose?.();
    this.ended();
    return Promise.resolve();
  }
}
