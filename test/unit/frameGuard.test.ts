import { describe, expect, it } from 'vitest';
import { FrameGuard } from '../../daemon/api/frameGuard.js';

const frame = (body: string) => `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

describe('the daemon API frame guard', () => {
  it('lets ordinary messages through, however they are split into chunks', () => {
    const stream = Buffer.from(frame('{"jsonrpc":"2.0","id":1,"method":"a"}') + frame('{"é":"ü"}') + frame('{}'));
    for (const size of [1, 2, 3, 7, 16, stream.length]) {
      const guard = new FrameGuard(64);
      for (let at = 0; at < stream.length; at += size) expect(guard.push(stream.subarray(at, at + size))).toBeUndefined();
    }
  });

  it('refuses a frame announcing more than the cap as soon as its header is read, however split', () => {
    const stream = Buffer.from(frame('{}') + 'Content-Length: 999999999999\r\n\r\n{');
    for (const size of [1, 5, stream.length]) {
      const guard = new FrameGuard(64);
      const said: (string | undefined)[] = [];
      for (let at = 0; at < stream.length; at += size) said.push(guard.push(stream.subarray(at, at + size)));
      expect(said.filter(Boolean)).toEqual(['a message of 999999999999 bytes, over the 64 a daemon API message may be']);
    }
  });

  it('refuses a header that never ends', () => {
    const guard = new FrameGuard();
    expect(guard.push(Buffer.from(`X-Junk: ${'x'.repeat(9000)}`))).toBe('a message header over 8192 bytes');
  });
});
