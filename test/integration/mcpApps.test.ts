import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BERTH, TestHome } from '../support.js';

/**
 * MCP Apps (`io.modelcontextprotocol/ui`) through Berth, with two real App servers from npm built
 * by Berth like any npm server. Both serve their `get-time` tool's App at the very same URI,
 * `ui://get-time/mcp-app.html`, with different pages: on a server's own endpoint and on
 * `berth connect` it passes unchanged; on the aggregate endpoint each is namespaced like its tool.
 */
const APP_URI = 'ui://get-time/mcp-app.html';
const APP_MIME = 'text/html;profile=mcp-app';
const SERVERS = { vanilla: '@modelcontextprotocol/server-basic-vanillajs', preact: '@modelcontextprotocol/server-basic-preact' } as const;
const VERSION = '2.0.3';
const UI = { 'io.modelcontextprotocol/ui': { mimeTypes: [APP_MIME] } };

type Era = 'legacy' | 'modern';
interface AppTool {
  name: string;
  _meta?: { ui?: { resourceUri?: string } };
}
interface Read {
  contents: { uri: string; mimeType?: string; text?: string }[];
}

describe('MCP Apps pass through Berth', () => {
  let home: TestHome;
  const clients: Client[] = [];

  async function open(era: Era, way: { url: string; headers: Record<string, string> } | { connect: string }): Promise<Client> {
    const client = new Client({ name: `apps-${era}`, version: '1' }, { capabilities: { extensions: UI }, ...(era === 'modern' && { versionNegotiation: { mode: 'auto' } }) });
    const transport =
      'connect' in way
        ? new StdioClientTransport({ command: process.execPath, args: [BERTH, 'connect', way.connect], env: home.env as Record<string, string>, stderr: 'pipe' })
        : new StreamableHTTPClientTransport(new URL(way.url), { requestInit: { headers: way.headers } });
    await client.connect(transport);
    clients.push(client);
    return client;
  }

  const page = async (client: Client, uri: string) => {
    const read = (await client.readResource({ uri })) as Read;
    expect(read.contents).toHaveLength(1);
    const [content] = read.contents;
    expect(content).toMatchObject({ uri, mimeType: APP_MIME });
    expect(content!.text!.length).toBeGreaterThan(1000);
    return content!.text!;
  };

  beforeAll(async () => {
    home = await TestHome.create();
    const specs = Object.entries(SERVERS)
      .map(([name, pkg]) => `  ${name}:\n    image: berth-test/app-${name}:${VERSION}\n    build: { npm: "${pkg}", version: "${VERSION}" }\n    args: [--stdio]\n`)
      .join('');
    await home.writeSpecs(`servers:\n${specs}`);
    for (const name of Object.keys(SERVERS)) await home.ok(['start', name]);
  }, 600_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await home.dispose();
  });

  for (const era of ['legacy', 'modern'] as const) {
    it(`${era}: a server's own endpoint and berth connect pass its App tool's _meta and ui:// page unchanged`, async () => {
      const pages: string[] = [];
      for (const way of [await home.json<{ url: string; headers: Record<string, string> }>(['endpoint', 'vanilla']), { connect: 'vanilla' }]) {
        const client = await open(era, way);
        const tools = (await client.listTools()).tools as AppTool[];
        expect(tools.find((t) => t.name === 'get-time')?._meta?.ui?.resourceUri).toBe(APP_URI);
        expect((await client.listResources()).resources.map((r) => r.uri)).toContain(APP_URI);
        pages.push(await page(client, APP_URI));
      }
      expect(pages[0]).toBe(pages[1]);
    });

    it(`${era}: the aggregate endpoint namespaces each server's ui:// URIs with its tools, so both Apps can be read`, async () => {
      const direct = await open(era, await home.json<{ url: string; headers: Record<string, string> }>(['endpoint', 'preact']));
      const preactPage = await page(direct, APP_URI);
      const client = await open(era, await home.json<{ url: string; headers: Record<string, string> }>(['endpoint', '--servers', 'vanilla,preact']));
      const tools = (await client.listTools()).tools as AppTool[];
      const uris = Object.fromEntries(tools.filter((t) => t.name.endsWith('__get-time')).map((t) => [t.name, t._meta?.ui?.resourceUri]));
      expect(uris).toEqual({ 'vanilla__get-time': 'ui://vanilla__get-time/mcp-app.html', 'preact__get-time': 'ui://preact__get-time/mcp-app.html' });
      const listed = (await client.listResources()).resources.map((r) => r.uri);
      expect(listed).toEqual(expect.arrayContaining(Object.values(uris)));
      expect(listed).not.toContain(APP_URI);
      const vanillaPage = await page(client, uris['vanilla__get-time']!);
      expect(await page(client, uris['preact__get-time']!)).toBe(preactPage);
      expect(vanillaPage).not.toBe(preactPage);
      // The tool still runs, namespaced like the App it names.
      const result = (await client.callTool({ name: 'vanilla__get-time', arguments: {} })) as { content: { type: string; text?: string }[] };
      expect(result.content[0]?.type).toBe('text');
    });
  }
});
