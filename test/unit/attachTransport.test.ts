import { PassThrough } from 'node:stream';
import type { JSONRPCMessage } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import { AttachTransport } from '../../daemon/mcp/attachTransport.js';

/** A transport over in-memory stdio, collecting what it parses and what it calls garbage. */
async function transport() {
  const stdout = new PassThrough();
  const messages: JSONRPCMessage[] = [];
  const garbage: string[] = [];
  const t = new AttachTransport(new PassThrough(), stdout, (line) => garbage.push(line));
  t.onmessage = (m) => messages.push(m);
  await t.start();
  const feed = (data: Buffer) => new Promise<void>((resolve) => stdout.write(data, () => resolve()));
  return { stdout, messages, garbage, feed };
}

describe('AttachTransport framing', () => {
  it('parses a multi-megabyte message that arrives in thousands of small chunks', async () => {
    const { messages, garbage, feed } = await transport();
    const big = { jsonrpc: '2.0' as const, id: 7, result: { content: [{ type: 'text', text: 'é0123456789'.repeat(400_000) }] } };
    const bytes = Buffer.from(`${JSON.stringify(big)}\n${JSON.stringify({ jsonrpc: '2.0', id: 8, result: {} })}\n`);
    expect(bytes.length).toBeGreaterThan(4 * 1024 * 1024);
    // 1000-byte chunks split the two-byte "é" now and then, and the second message shares the last chunk.
    for (let i = 0; i < bytes.length; i += 1000) await feed(bytes.subarray(i, i + 1000));
    expect(garbage).toEqual([]);
    expect(messages).toHaveLength(2);
    expect(messages[0]).toEqual(big);
    expect(messages[1]).toEqual({ jsonrpc: '2.0', id: 8, result: {} });
  });

  it('splits several messages in one chunk, drops \\r and blank lines, and reports a non-JSON line', async () => {
    const { messages, garbage, feed } = await transport();
    await feed(Buffer.from('{"jsonrpc":"2.0","id":1,"result":{}}\r\n\nstarting up...\n{"jsonrpc":"2.0","method":"notifications/x"}\n{"jsonrpc":"2.0",'));
    await feed(Buffer.from('"id":2,"result":{}}\n'));
    // A response after a notification is handed over on the next turn of the event loop.
    await new Promise((resolve) => setImmediate(resolve));
    expect(messages).toEqual([
      { jsonrpc: '2.0', id: 1, result: {} },
      { jsonrpc: '2.0', method: 'notifications/x' },
      { jsonrpc: '2.0', id: 2, result: {} },
    ]);
    expect(garbage).toEqual(['starting up...']);
  });

  it("hands a call's last progress to the SDK client before the call's response that came in the same read", async () => {
    const { Client } = await import('@modelcontextprotocol/client');
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const t = new AttachTransport(stdin, stdout, () => undefined);
    const client = new Client({ name: 't', version: '1' });
    // A server that answers initialize, and each tools/call with two progress notifications and the result, all in one write.
    stdin.on('data', (data: Buffer) => {
      for (const line of data.toString().split('\n').filter(Boolean)) {
        const m = JSON.parse(line) as { id?: number; method: string; params?: { _meta?: { progressToken?: number } } };
        if (m.method === 'initialize') {
          stdout.write(`${JSON.stringify({ jsonrpc: '2.0', id: m.id, result: { protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 's', version: '1' } } })}\n`);
        } else if (m.method === 'tools/call') {
          const token = m.params?._meta?.progressToken;
          const progress = (n: number) => JSON.stringify({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: token, progress: n, total: 2 } });
          stdout.write(`${progress(1)}\n${progress(2)}\n${JSON.stringify({ jsonrpc: '2.0', id: m.id, result: { content: [] } })}\n`);
        }
      }
    });
    await client.connect(t);
    const seen: number[] = [];
    await client.callTool({ name: 'x', arguments: {} }, { onprogress: (p) => seen.push(p.progress) });
    expect(seen).toEqual([1, 2]);
    await client.close();
  });
});
