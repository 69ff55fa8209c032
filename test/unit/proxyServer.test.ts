import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport, type JSONRPCMessage } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { CallContext, UpstreamListener } from '../../daemon/mcp/callContext.js';
import { createProxyServer, deliverNotification, type Interest, type McpBackend } from '../../daemon/mcp/proxyServer.js';
import { RoundTrips } from '../../daemon/mcp/roundTrips.js';

type Result = Record<string, unknown>;

/** A result with everything a server may add, some of it unknown to the SDK's schemas. */
const RICH = {
  content: [{ type: 'text', text: 'hi', annotations: { audience: ['user'], priority: 0.5 }, _meta: { 'x/c': 1 }, vendorField: 2 }],
  structuredContent: { a: 1 },
  _meta: { 'x/r': 2 },
  vendorTop: 'kept',
};

function backend(calls: (tool: string, ctx: CallContext) => Promise<Result>): McpBackend & { seen: CallContext[]; forwarded: string[]; emit: UpstreamListener } {
  const seen: CallContext[] = [];
  const forwarded: string[] = [];
  const listeners = new Set<UpstreamListener>();
  return {
    seen,
    forwarded,
    emit: (method, params) => listeners.forEach((l) => l(method, params)),
    name: 'berth/fake',
    version: '1.0.0',
    capabilities: () => ({
      tools: [{ name: 'rich', inputSchema: { type: 'object' }, outputSchema: { type: 'object' }, icons: [{ src: 'https://x/i.png' }], annotations: { readOnlyHint: true } }],
      prompts: [],
      resources: [],
    }),
    instructions: () => 'use it well',
    offers: () => ({ completions: true, logging: true, subscribe: true }),
    callTool: (tool, _args, ctx) => {
      seen.push(ctx);
      return calls(tool, ctx);
    },
    getPrompt: () => Promise.resolve({ messages: [] }),
    readResource: () => Promise.resolve({ contents: [] }),
    request: (method, params) => {
      forwarded.push(`${method} ${JSON.stringify(params)}`);
      return Promise.resolve(method === 'completion/complete' ? { completion: { values: [method, JSON.stringify(params)] } } : {});
    },
    onNotification: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close().catch(() => undefined)));
});

/** A 2025-era client on a proxy session; `wire` collects what the client receives, as sent. */
async function legacyClient(b: McpBackend, capabilities: Record<string, unknown> = {}, notificationDelayMs = 0, interest?: Interest): Promise<{ client: Client; wire: JSONRPCMessage[] }> {
  const [serverSide, clientSide] = InMemoryTransport.createLinkedPair();
  const wire: JSONRPCMessage[] = [];
  const send = serverSide.send.bind(serverSide);
  serverSide.send = async (m, o) => {
    // A transport whose notifications take longer to write than answers (an event stream, say).
    if (notificationDelayMs && !('id' in m)) await new Promise((r) => setTimeout(r, notificationDelayMs));
    wire.push(m);
    return send(m, o);
  };
  const server = createProxyServer(b, { era: 'legacy', trips: new RoundTrips(), interest });
  if (interest) b.onNotification((method, params) => deliverNotification(server, interest, method, params));
  await server.connect(serverSide);
  const client = new Client({ name: 'legacy-client', version: '1' }, { capabilities });
  await client.connect(clientSide);
  open.push(client);
  return { client, wire };
}

/** A client of either era on a stdio-like channel, the era picked by its opening, as `berth connect` serves. */
async function channelClient(b: McpBackend, mode: 'auto' | 'legacy', capabilities: Record<string, unknown>): Promise<Client> {
  const [serverSide, clientSide] = InMemoryTransport.createLinkedPair();
  const trips = new RoundTrips();
  const handle = serveStdio(({ era }) => createProxyServer(b, { era, trips }), { transport: serverSide });
  open.push(handle);
  const client = new Client({ name: `${mode}-client`, version: '1' }, { capabilities, versionNegotiation: { mode } });
  await client.connect(clientSide);
  open.push(client);
  return client;
}

describe('the proxy server', () => {
  it('passes results through as the server sent them, fields unknown to the SDK included', async () => {
    const { client, wire } = await legacyClient(backend(() => Promise.resolve(RICH)));
    await client.callTool({ name: 'rich', arguments: {} });
    const answer = wire.find((m) => 'result' in m && (m.result as Result).vendorTop !== undefined) as { result: Result } | undefined;
    expect(answer?.result).toEqual(RICH);
    const { tools } = await client.listTools();
    expect(tools[0]).toMatchObject({ outputSchema: { type: 'object' }, icons: [{ src: 'https://x/i.png' }], annotations: { readOnlyHint: true } });
  });

  it('redacts everything it sends, whichever transport carries it', async () => {
    const [serverSide, clientSide] = InMemoryTransport.createLinkedPair();
    const b = backend(() => Promise.resolve({ content: [{ type: 'text', text: 'the token is s3cret-value' }] }));
    await createProxyServer(b, { era: 'legacy', trips: new RoundTrips(), redact: { redact: (t) => t.replaceAll('s3cret-value', '[redacted]'), idle: false } }).connect(serverSide);
    const client = new Client({ name: 'c', version: '1' });
    await client.connect(clientSide);
    open.push(client);
    expect(await client.callTool({ name: 'rich', arguments: {} })).toEqual({ content: [{ type: 'text', text: 'the token is [redacted]' }] });
  });

  it('declares what the backend offers, and refuses an unknown method with MethodNotFound', async () => {
    const { client } = await legacyClient(backend(() => Promise.resolve(RICH)));
    expect(client.getServerCapabilities()).toEqual({
      tools: { listChanged: true },
      prompts: { listChanged: true },
      resources: { listChanged: true, subscribe: true },
      completions: {},
      logging: {},
    });
    expect(client.getInstructions()).toBe('use it well');
    const params = { ref: { type: 'ref/prompt', name: 'p' }, argument: { name: 'a', value: '' } } as const;
    expect(await client.complete(params)).toEqual({ completion: { values: ['completion/complete', JSON.stringify(params)] } });
    await expect(client.request({ method: 'acme/unknown', params: {} }, z.looseObject({}))).rejects.toMatchObject({ code: -32601 });
  });

  it('forwards subscriptions and the log level, and passes on only the notifications a session asked for', async () => {
    const b = backend(() => Promise.resolve(RICH));
    const interest: Interest = { uris: new Set() };
    const { client } = await legacyClient(b, {}, 0, interest);
    const got: string[] = [];
    client.setNotificationHandler('notifications/resources/updated', (n) => void got.push(n.params.uri));
    client.setNotificationHandler('notifications/message', (n) => void got.push(String(n.params.data)));
    await client.subscribeResource({ uri: 'demo://a' });
    await client.setLoggingLevel('warning');
    expect(b.forwarded).toEqual(['resources/subscribe {"uri":"demo://a"}', 'logging/setLevel {"level":"warning"}']);
    b.emit('notifications/resources/updated', { uri: 'demo://b' });
    b.emit('notifications/message', { level: 'info', data: 'too quiet' });
    b.emit('notifications/resources/updated', { uri: 'demo://a' });
    b.emit('notifications/message', { level: 'error', data: 'loud enough' });
    await expect.poll(() => got).toEqual(['demo://a', 'loud enough']);
    await client.unsubscribeResource({ uri: 'demo://a' });
    expect(interest.uris.size).toBe(0);
  });

  it("forwards progress to the caller, and the caller's cancellation to the call", async () => {
    const b = backend(
      (_tool, ctx) =>
        new Promise((_resolve, reject) => {
          ctx.onprogress?.({ progress: 1, total: 2 });
          ctx.signal.addEventListener('abort', () => reject(new Error('aborted')));
        }),
    );
    const { client } = await legacyClient(b);
    const progress: unknown[] = [];
    const abort = new AbortController();
    const call = client.callTool({ name: 'rich', arguments: {} }, { onprogress: (p) => progress.push(p), signal: abort.signal }).catch((e: Error) => e);
    await expect.poll(() => progress.length).toBe(1);
    abort.abort('stop');
    await call;
    await expect.poll(() => b.seen[0]?.signal.aborted).toBe(true);
    expect(b.seen[0]?.client).toBe('legacy-client');
  });

  it('sends all of a call\'s progress before its answer', async () => {
    const b = backend((_tool, ctx) => {
      for (let n = 1; n <= 3; n++) ctx.onprogress?.({ progress: n, total: 3 });
      return Promise.resolve({ content: [] });
    });
    const { client } = await legacyClient(b, {}, 20);
    const progress: unknown[] = [];
    await client.callTool({ name: 'rich', arguments: {} }, { onprogress: (p) => progress.push(p) });
    expect(progress).toEqual([1, 2, 3].map((n) => ({ progress: n, total: 3 })));
  });

  const asking = () =>
    backend(async (_tool, ctx) => {
      if (!ctx.asker) return { content: [{ type: 'text', text: 'nobody to ask' }] };
      const answer = await ctx.asker.ask('elicitation/create', { message: 'name?', requestedSchema: { type: 'object', properties: { n: { type: 'string' } } } }, ctx.signal);
      return { content: [{ type: 'text', text: `heard ${JSON.stringify(answer)}` }] };
    });
  const answering = (client: Client) => {
    client.setRequestHandler('elicitation/create', () => Promise.resolve({ action: 'accept', content: { n: 'dave' } }));
    return client;
  };
  const HEARD = { content: [{ type: 'text', text: 'heard {"action":"accept","content":{"n":"dave"}}' }] };

  it('puts the server\'s question to a 2025-era caller on its request, and its answer back', async () => {
    const { client } = await legacyClient(asking(), { elicitation: { form: {} } });
    answering(client);
    expect(await client.callTool({ name: 'rich', arguments: {} })).toEqual(HEARD);
  });

  it('a 2026-07-28 caller gets the question as input_required and answers by calling again', async () => {
    const client = await channelClient(asking(), 'auto', { elicitation: { form: {} } });
    answering(client);
    expect(client.getProtocolEra()).toBe('modern');
    // 2026-07-28 results also name the server in their _meta.
    expect(await client.callTool({ name: 'rich', arguments: {} })).toMatchObject(HEARD);
    const legacy = await channelClient(asking(), 'legacy', { elicitation: { form: {} } });
    answering(legacy);
    expect(legacy.getProtocolEra()).toBe('legacy');
    expect(await legacy.callTool({ name: 'rich', arguments: {} })).toEqual(HEARD);
  });

  it('a caller that declared no way to answer gets no asker, in either era', async () => {
    const { client } = await legacyClient(asking());
    expect(await client.callTool({ name: 'rich', arguments: {} })).toEqual({ content: [{ type: 'text', text: 'nobody to ask' }] });
    const modern = await channelClient(asking(), 'auto', {});
    expect(await modern.callTool({ name: 'rich', arguments: {} })).toMatchObject({ content: [{ type: 'text', text: 'nobody to ask' }] });
  });
});
