import type net from 'node:net';
import { PassThrough } from 'node:stream';
import { StreamMessageReader, type Message } from 'vscode-jsonrpc/node';
import { describe, expect, it } from 'vitest';
import { SocketFrameWriter } from '../../daemon/protocol/frameWriter.js';

describe('the daemon socket writer', () => {
  it('sends each message as one write that vscode-jsonrpc reads back as it was, multi-byte text included', async () => {
    const wire = new PassThrough();
    const writes: Buffer[] = [];
    wire.on('data', (chunk: Buffer) => writes.push(chunk));
    const writer = new SocketFrameWriter(wire as unknown as net.Socket);
    const messages: Message[] = [
      { jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'Größe: 3 €, 日本語 🚢' }] } } as Message,
      { jsonrpc: '2.0', method: 'mcp/message', params: { channel: 'c', message: { jsonrpc: '2.0', id: 2, method: 'tools/call' } } } as Message,
    ];
    for (const m of messages) await writer.write(m);
    expect(writes).toHaveLength(messages.length);

    const read: Message[] = [];
    const reader = new StreamMessageReader(PassThrough.from(Buffer.concat(writes)));
    await new Promise<void>((resolve) =>
      reader.listen((m) => {
        read.push(m);
        if (read.length === messages.length) resolve();
      }),
    );
    expect(read).toEqual(messages);
  });

  it('fails the write and reports the error once the socket is gone', async () => {
    const wire = new PassThrough();
    const writer = new SocketFrameWriter(wire as unknown as net.Socket);
    const errors: Error[] = [];
    writer.onError(([e]) => errors.push(e));
    wire.destroy();
    await expect(writer.write({ jsonrpc: '2.0', method: 'x' } as Message)).rejects.toThrow();
    expect(errors.length).toBeGreaterThan(0);
  });
});
