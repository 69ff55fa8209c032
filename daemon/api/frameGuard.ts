import { MAX_MESSAGE_BYTES } from '../protocol/frameWriter.js';

const MAX_HEADER_BYTES = 8 * 1024;

/**
 * Follows the `Content-Length` framing of a JSON-RPC byte stream beside the real reader, which
 * would buffer any announced length in full: says what is wrong as soon as a frame (or its
 * header) announces more than the cap, before its body arrives.
 */
export class FrameGuard {
  private header = '';
  private bodyLeft = 0;

  constructor(private readonly maxBytes = MAX_MESSAGE_BYTES) {}

  /** The bytes that just arrived; a sentence when the stream must be cut. */
  push(chunk: Buffer): string | undefined {
    let at = 0;
    while (at < chunk.length) {
      if (this.bodyLeft > 0) {
        const take = Math.min(this.bodyLeft, chunk.length - at);
        this.bodyLeft -= take;
        at += take;
        continue;
      }
      const end = chunk.indexOf('\r\n\r\n', at);
      // Headers are ASCII; latin1 keeps one character per byte, so the search stays simple.
      this.header += chunk.toString('latin1', at, end === -1 ? chunk.length : end + 4);
      if (this.header.length > MAX_HEADER_BYTES) return `a message header over ${MAX_HEADER_BYTES} bytes`;
      if (end === -1) {
        // The terminator may straddle two chunks.
        const split = this.header.indexOf('\r\n\r\n');
        if (split === -1) return undefined;
        at = chunk.length - (this.header.length - split - 4);
        this.header = this.header.slice(0, split + 4);
      } else {
        at = end + 4;
      }
      const length = /(?:^|\r\n)content-length:\s*(\d+)/i.exec(this.header)?.[1];
      this.header = '';
      const bytes = Number(length ?? 0);
      if (bytes > this.maxBytes) return `a message of ${bytes} bytes, over the ${this.maxBytes} a daemon API message may be`;
      this.bodyLeft = bytes;
    }
    return undefined;
  }
}
