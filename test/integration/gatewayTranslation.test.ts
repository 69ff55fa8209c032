import { Client, LOG_LEVEL_META_KEY, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BERTH, FIXTURE_IMAGE, TestHome, waitFor } from '../support.js';
import { LIST_PAGE } from '../../daemon/mcp/proxyServer.js';

interface Endpoint {
  url: string;
  headers: Record<string, string>;
}

type Era = 'legacy' | 'modern';

/** What a 2025 revision has and 2026-07-28 does not (log levels, resource subscriptions), and back: Berth translates on the gateway. Lists in pages. */
describe('gateway: log levels, resource subscriptions and paged lists across the MCP eras', () => {
  let home: TestHome;
  const clients: Client[] = [];

  /** A client of the gateway's endpoint for `server` (or of `e`), or with `connect`, of `berth connect`. */
  async function open(server: string, era: Era, e?: Endpoint | 'connect'): Promise<Client> {
    const c = new Client({ name: `${era}-client`, version: '1' }, era === 'modern' ? { versionNegotiation: { mode: 'auto' } } : {});
    if (e === 'connect') {
      await c.connect(new StdioClientTransport({ command: process.execPath, args: [BERTH, 'connect', server], env: home.env as Record<string, string>, stderr: 'pipe' }));
    } else {
      e ??= await home.json<Endpoint>(['endpoint', server]);
      await c.connect(new StreamableHTTPClientTransport(new URL(e.url), { requestInit: { headers: e.headers } }));
    }
    expect(c.getProtocolEra()).toBe(era);
    clients.push(c);
    return c;
  }

  beforeAll(async () => {
    home = await TestHome.create();
    await home.writeSpecs(`servers:
  mo:
    image: ${FIXTURE_IMAGE}
    args: [/app/modern.js]
    protocol: modern
    env: { MANY_TOOLS: "${LIST_PAGE + 50}" }
  ev:
    catalog: everything
  web:
    catalog: everything
    transport: http
    args: [streamableHttp]
    http: { port: 3001, path: /mcp }
    health: { toolTimeoutSeconds: { trigger-long-running-operation: 1 } }
  moweb:
    image: ${FIXTURE_IMAGE}
    args: [/app/modern.js]
    env: { HTTP_PORT: "3002" }
    transport: http
    network: bridge
    http: { port: 3002, path: /mcp }
    protocol: modern
    health: { toolTimeoutSeconds: { tick: 1 } }
`);
    await home.ok(['start', 'mo']);
    await home.ok(['start', 'ev']);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await home.dispose();
  });

  it('a 2025 client sets its log level on a 2026-07-28 server and hears its log messages', async () => {
    const c = await open('mo', 'legacy');
    const logs: unknown[] = [];
    c.setNotificationHandler('notifications/message', (n) => void logs.push(n.params));
    // Without a level set, the server is asked for no log messages.
    await c.callTool({ name: 'log', arguments: { message: 'unheard' } });
    await c.setLoggingLevel('warning');
    await c.callTool({ name: 'log', arguments: { message: 'disk almost full' } });
    await waitFor('the log message', async () => logs.length > 0, 30_000);
    expect(logs).toEqual([{ level: 'warning', logger: 'modern', data: 'disk almost full' }]);
    // A level above the message's leaves it out.
    await c.setLoggingLevel('error');
    await c.callTool({ name: 'log', arguments: { message: 'quiet now' } });
    expect(logs).toHaveLength(1);
  });

  it("a 2025 client subscribes to a 2026-07-28 server's resource, hears its updates, and stops hearing them after unsubscribing", async () => {
    const c = await open('mo', 'legacy');
    let updates = 0;
    c.setNotificationHandler('notifications/resources/updated', (n) => void (n.params.uri === 'modern://note' && updates++));
    await c.subscribeResource({ uri: 'modern://note' });
    await c.callTool({ name: 'touch', arguments: {} });
    await waitFor('the update', async () => updates === 1, 30_000);
    await c.unsubscribeResource({ uri: 'modern://note' });
    // A second touch, then a log message as a marker that the first would have arrived by now.
    const logs: unknown[] = [];
    c.setNotificationHandler('notifications/message', (n) => void logs.push(n.params));
    await c.setLoggingLevel('warning');
    await c.callTool({ name: 'touch', arguments: {} });
    await c.callTool({ name: 'log', arguments: { message: 'marker' } });
    await waitFor('the marker', async () => logs.length > 0, 30_000);
    expect(updates).toBe(1);
  });

  for (const server of ['ev', 'mo']) {
    it(`a 2026-07-28 client hears log messages at the level its call names, from a ${server === 'ev' ? '2025' : '2026-07-28'} server`, async () => {
      const c = await open(server, 'modern');
      const logs: { level: string }[] = [];
      c.setNotificationHandler('notifications/message', (n) => void logs.push(n.params));
      const tool = server === 'ev' ? { name: 'trigger-long-running-operation', arguments: { duration: 1, steps: 2 } } : { name: 'log', arguments: { message: 'from 2026' } };
      if (server === 'ev') await c.callTool({ name: 'toggle-simulated-logging', arguments: {} });
      try {
        await waitFor('a log message during a call', async () => {
          await c.callTool({ ...tool, _meta: { [LOG_LEVEL_META_KEY]: 'debug' } });
          return logs.length > 0;
        }, 60_000);
      } finally {
        if (server === 'ev') await c.callTool({ name: 'toggle-simulated-logging', arguments: {} });
      }
      expect(logs[0]).toMatchObject({ level: expect.any(String) });
    });
  }

  for (const way of ['gateway', 'connect'] as const) {
    for (const server of ['ev', 'mo']) {
      it(`a 2026-07-28 client's subscriptions/listen for a resource hears its updates from a ${server === 'ev' ? '2025' : '2026-07-28'} server, over ${way === 'gateway' ? 'the gateway' : 'berth connect'}`, async () => {
        const c = await open(server, 'modern', way === 'connect' ? 'connect' : undefined);
        const uri = server === 'ev' ? 'demo://resource/static/document/architecture.md' : 'modern://note';
        let updates = 0;
        c.setNotificationHandler('notifications/resources/updated', (n) => void (n.params.uri === uri && updates++));
        const sub = await c.listen({ resourceSubscriptions: [uri] });
        expect(sub.honoredFilter.resourceSubscriptions).toEqual([uri]);
        const trigger = server === 'ev' ? 'toggle-subscriber-updates' : 'touch';
        await c.callTool({ name: trigger, arguments: {} });
        try {
          await waitFor('an update', async () => updates > 0, 30_000);
        } finally {
          if (server === 'ev') await c.callTool({ name: trigger, arguments: {} });
          await sub.close();
        }
      });
    }
  }

  it('progress starts the call timeout afresh for HTTP servers of both eras, through the gateway', async () => {
    await home.ok(['start', 'web']);
    await home.ok(['start', 'moweb']);
    expect((await home.server('moweb')).protocol).toEqual({ era: 'modern', version: '2026-07-28' });
    // 1 s for the tool, but progress every 300 ms keeps a 3 s call alive, whatever era the client speaks.
    for (const era of ['legacy', 'modern'] as const) {
      const web = await open('web', era);
      const steps: unknown[] = [];
      const done = await web.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 3, steps: 10 } }, { onprogress: (p) => steps.push(p), timeout: 60_000 });
      expect(done.content).toMatchObject([{ type: 'text', text: expect.stringMatching(/completed/i) }]);
      const moweb = await open('moweb', era);
      expect((await moweb.callTool({ name: 'tick', arguments: { ms: 3000 } }, { onprogress: (p) => steps.push(p), timeout: 60_000 })).content).toMatchObject([
        { type: 'text', text: expect.stringMatching(/^ticked \d+ times$/) },
      ]);
      expect(steps.length).toBeGreaterThan(10);
    }
    // Without progress, the tool's 1 s still applies.
    const c = await open('web', 'legacy');
    const t0 = Date.now();
    await expect(c.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 3, steps: 1 } })).rejects.toThrow(/timed out after 1(\.\d)? s: no answer or progress came for 1 s/);
    expect(Date.now() - t0).toBeLessThan(2900);
  });

  it('pages the aggregate list of tools LIST_PAGE at a time, and every client gets all of them by paging', async () => {
    const e = await home.json<Endpoint>(['endpoint', '--servers', 'mo,ev']);
    const expected = (await home.json<{ tools: { name: string }[] }>(['tools', 'mo'])).tools.length + (await home.json<{ tools: { name: string }[] }>(['tools', 'ev'])).tools.length;
    expect(expected).toBeGreaterThan(LIST_PAGE);
    // The SDK v1 client reads one page at a time.
    const v1 = new V1Client({ name: 'pager', version: '1' });
    await v1.connect(new V1StreamableHTTPClientTransport(new URL(e.url), { requestInit: { headers: e.headers } }));
    const pages: number[] = [];
    const names: string[] = [];
    let cursor: string | undefined;
    try {
      do {
        const r = await v1.listTools(cursor === undefined ? undefined : { cursor });
        pages.push(r.tools.length);
        names.push(...r.tools.map((t) => t.name));
        cursor = r.nextCursor;
      } while (cursor !== undefined);
      await expect(v1.listTools({ cursor: 'nonsense' })).rejects.toThrow(/Invalid cursor/);
    } finally {
      await v1.close();
    }
    expect(pages).toHaveLength(Math.ceil(expected / LIST_PAGE));
    expect(pages.slice(0, -1)).toEqual(pages.slice(0, -1).map(() => LIST_PAGE));
    expect(names).toHaveLength(expected);
    expect(new Set(names).size).toBe(expected);
    expect(names).toContain(`mo__many${LIST_PAGE + 50}`);
    // The SDK v2 client walks the pages itself, in both eras.
    for (const era of ['legacy', 'modern'] as const) {
      const c = await open('', era, e);
      expect((await c.listTools()).tools.map((t) => t.name)).toEqual(names);
    }
    // A 2026-07-28 client is told how long it may keep a page.
    expect(await rawModernList(e)).toMatchObject({ ttlMs: 30_000, cacheScope: 'private', nextCursor: String(LIST_PAGE) });
  });
});

/** A 2026-07-28 `tools/list` as it goes over the wire, with no SDK client to digest the answer. */
async function rawModernList(e: Endpoint): Promise<Record<string, unknown>> {
  const version = '2026-07-28';
  const res = await fetch(e.url, {
    method: 'POST',
    headers: { ...e.headers, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': version, 'mcp-method': 'tools/list' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/list',
      params: { _meta: { 'io.modelcontextprotocol/protocolVersion': version, 'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} } },
    }),
  });
  const text = await res.text();
  const json = res.headers.get('content-type')?.includes('text/event-stream') ? text.split('\n').find((l) => l.startsWith('data: '))!.slice(6) : text;
  return (JSON.parse(json) as { result: Record<string, unknown> }).result;
}
