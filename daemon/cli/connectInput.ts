import type { Readable } from 'node:stream';
import { z } from 'zod';
import { MAX_MESSAGE_BYTES } from '../protocol/frameWriter.js';

const Request = z.object({ method: z.string(), id: z.union([z.string(), z.number()]) });
const Response = z.object({ id: z.union([z.string(), z.number()]) }).and(z.union([z.object({ result: z.unknown() }), z.object({ error: z.unknown() })]));

/** A client's request id, as a key (JSON, so 1 and "1" stay apart); undefined for a notification or a response. */
export function requestId(message: unknown): string | undefined {
  const r = Request.safeParse(message);
  return r.success ? JSON.stringify(r.data.id) : undefined;
}

/** The id a server's response answers, as requestId keys it; undefined for its requests and notifications. */
export function responseId(message: unknown): string | undefined {
  if (typeof message === 'object' && message !== null && 'method' in message) return undefined;
  const r = Response.safeParse(message);
  return r.success ? JSON.stringify(r.data.id) : undefined;
}

/**
 * The client's stdin as lines, read from the moment the bridge starts: kept until a consumer is
 * set, so nothing is lost while the channel opens. A line's pieces are kept apart until its end
 * arrives, so a large message costs its size, not its size squared; a line with no end in sight is
 * cut as the daemon's socket cuts a frame (`overflowed`), never buffered without bound.
 */
export class ClientInput {
  private queued: string[] = [];
  private consumer: ((line: string) => void) | undefined;
  private pieces: string[] = [];
  private pending = 0;
  /** Settles when the client closes its end (or the stream fails). */
  readonly ended: Promise<void>;
  /** Settles when the client sent a line longer than `maxLine` without its newline; reading stops then. */
  readonly overflowed: Promise<void>;

  constructor(
    private readonly stream: Readable,
    readonly maxLine = MAX_MESSAGE_BYTES,
  ) {
    stream.setEncoding('utf8');
    this.ended = new Promise((resolve) => {
      stream.once('end', resolve);
      stream.once('close', resolve);
      stream.once('error', resolve);
    });
    let overflow: () => void = () => undefined;
    this.overflowed = new Promise((resolve) => (overflow = resolve));
    const onData = (chunk: string) => {
      let start = 0;
      for (let end = chunk.indexOf('\n'); end !== -1; end = chunk.indexOf('\n', start)) {
        this.pieces.push(chunk.slice(start, end));
        this.emit(this.pieces.join(''));
        this.pieces = [];
        this.pending = 0;
        start = end + 1;
      }
      if (start < chunk.length) {
        this.pieces.push(chunk.slice(start));
        this.pending += chunk.length - start;
      }
      if (this.pending > maxLine) {
        this.pieces = [];
        this.pending = 0;
        stream.off('data', onData);
        stream.pause();
        overflow();
      }
    };
    stream.on('data', onData);
    // A last line without its newline is still a line.
    stream.once('end', () => {
      if (this.pieces.length) this.emit(this.pieces.join(''));
      this.pieces = [];
    });
  }

  /** From now on each line goes to `consumer`, those read so far first. */
  consume(consumer: (line: string) => void): void {
    this.consumer = consumer;
    for (const line of this.queued.splice(0)) consumer(line);
  }

  close(): void {
    this.stream.destroy();
  }

  private emit(line: string): void {
    if (!line.trim()) return;
    if (this.consumer) this.consumer(line);
    else this.queued.push(line);
  }
}
