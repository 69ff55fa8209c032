import { Client, LOG_LEVEL_META_KEY, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_IMAGE, TestHome, waitFor } from '../support.js';

interface Endpoint {
  url: string;
  headers: Record<string, string>;
}

type Era = 'legacy' | 'modern';

/** What a 2025 revision has and 2026-07-28 does not (log levels, resource subscriptions), and back: Berth translates on the gateway. */
describe('gateway: log levels and resource subscriptions across the MCP eras', () => {
  let home: TestHome;
  const clients: Client[] = [];

  async function open(server: string, era: Era): Promise<Client> {
    const e = await home.json<Endpoint>(['endpoint', server]);
    const c = new Client({ name: `${era}-client`, version: '1' }, era === 'modern' ? { versionNegotiation: { mode: 'auto' } } : {});
    await c.connect(new StreamableHTTPClientTransport(new URL(e.url), { requestInit: { headers: e.headers } }));
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
  ev:
    catalog: everything
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

  for (const server of ['ev', 'mo']) {
    it(`a 2026-07-28 client's subscriptions/listen for a resource hears its updates from a ${server === 'ev' ? '2025' : '2026-07-28'} server`, async () => {
      const c = await open(server, 'modern');
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
});
