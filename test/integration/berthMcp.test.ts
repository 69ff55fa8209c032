import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BERTH, TestHome, waitFor } from '../support.js';

/** Which way in: the gateway's `/berth` endpoint, or `berth mcp` on stdio. */
type Way = 'gateway' | 'stdio';
/** What the client's human says when asked: nothing at all means a client without elicitation. */
type Human = 'accept' | 'decline' | undefined;

interface Opened {
  client: Client;
  /** The questions the human was asked, in order. */
  asked: string[];
}

type Result = { isError?: boolean; content: { type: string; text?: string }[]; structuredContent?: Record<string, unknown> };

const WRITE_TOOLS = ['docker_create_server', 'docker_start_server', 'docker_stop_server', 'docker_restart_server', 'docker_remove_server'];

describe("Berth as an MCP server: its own tools over /berth and `berth mcp`", () => {
  let home: TestHome;
  let settingsFile: string;
  const open: Client[] = [];

  async function connect(way: Way, o: { human?: Human; flags?: string[]; modern?: boolean; name?: string } = {}): Promise<Opened> {
    const asked: string[] = [];
    const client = new Client(
      { name: o.name ?? `berth-mcp-test-${way}`, version: '1' },
      { capabilities: o.human ? { elicitation: {} } : {}, ...(o.modern && { versionNegotiation: { mode: 'auto' } }) },
    );
    if (o.human) {
      const human = o.human;
      client.setRequestHandler('elicitation/create', (req) => {
        asked.push(String((req.params as { message?: unknown }).message));
        return Promise.resolve(human === 'accept' ? { action: 'accept', content: { confirm: true } } : { action: 'decline' });
      });
    }
    if (way === 'gateway') {
      const e = await home.json<{ url: string; headers: Record<string, string> }>(['endpoint']);
      await client.connect(new StreamableHTTPClientTransport(new URL('/berth', e.url), { requestInit: { headers: e.headers } }));
    } else {
      await client.connect(new StdioClientTransport({ command: process.execPath, args: [BERTH, 'mcp', ...(o.flags ?? [])], env: home.env as Record<string, string>, stderr: 'pipe' }));
    }
    open.push(client);
    return { client, asked };
  }

  const call = async (c: Client, name: string, args: Record<string, unknown> = {}, onprogress?: (p: { message?: string }) => void) =>
    (await c.callTool({ name, arguments: args }, { onprogress, timeout: 240_000, resetTimeoutOnProgress: true })) as Result;
  const text = (r: Result) => r.content.map((p) => p.text ?? '').join('\n');
  const allowWrites = (yaml: string) => writeFile(settingsFile, yaml);
  const serverContainers = async (server: string) => (await home.containers()).filter((c) => c.server === server);

  beforeAll(async () => {
    home = await TestHome.create();
    settingsFile = path.join(path.dirname(home.paths.userSpecFile), 'mcp.yaml');
    await mkdir(path.dirname(settingsFile), { recursive: true });
    await home.ok(['status']);
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close().catch(() => undefined)));
    await rm(settingsFile, { force: true });
  });
  afterAll(async () => {
    await home.dispose();
  });

  for (const way of ['gateway', 'stdio'] as const) {
    for (const modern of [false, true]) {
      it(`${way}, ${modern ? '2026-07-28' : '2025'} era: read-only by default, no write is listed, and one called by name is refused with how to allow it`, async () => {
        // Read-only is the default: no test before this one has turned writes on for it.
        if (way === 'gateway') await allowWrites('allowWrite: false\n');
        const containersBefore = await home.containers();
        const { client } = await connect(way, { modern, human: 'accept' });
        expect(client.getProtocolEra()).toBe(modern ? 'modern' : 'legacy');
        const tools = (await client.listTools()).tools;
        expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['docker_list_servers', 'docker_get_logs', 'docker_get_server_health']));
        expect(tools.filter((t) => t.annotations?.readOnlyHint !== true).map((t) => t.name)).toEqual([]);
        for (const t of tools) expect(t.outputSchema).toBeDefined();
        const specBefore = await home.readSpecs();
        for (const name of WRITE_TOOLS) {
          const r = await call(client, name, { server_type: 'memory', server_name: 'nope' });
          expect(r.isError).toBe(true);
          expect(text(r)).toContain("Berth's MCP server is read-only");
          expect(text(r)).toContain(way === 'gateway' ? `set \`allowWrite: true\` in ${settingsFile}` : '--allow-write');
        }
        expect(await home.readSpecs()).toBe(specBefore);
        expect(await home.containers()).toEqual(containersBefore);
      });
    }
  }

  const ROUND_TRIPS: { way: Way; modern: boolean; server: string }[] = [
    { way: 'gateway', modern: false, server: 'mem-http' },
    { way: 'stdio', modern: true, server: 'mem-stdio' },
  ];
  for (const { way, modern, server } of ROUND_TRIPS) {
    it(`${way}: creates a server from the memory catalog entry, sees it healthy, reads its logs, stops and removes it`, async () => {
      const flags = ['--allow-write'];
      if (way === 'gateway') await allowWrites('allowWrite: true\n');
      const { client, asked } = await connect(way, { human: 'accept', flags, modern });
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toEqual(expect.arrayContaining(WRITE_TOOLS));

      const progress: string[] = [];
      const created = await call(client, 'docker_create_server', { server_type: 'memory', server_name: server }, (p) => progress.push(p.message ?? ''));
      expect(text(created), text(created)).toMatch(/^Created and started: /);
      expect(created.structuredContent).toMatchObject({ name: server, server_type: 'memory', host: 'local' });
      expect(progress.length).toBeGreaterThan(0);
      expect(await home.readSpecs()).toContain(`${server}:`);
      expect(await serverContainers(server)).toHaveLength(1);

      const health = await waitFor(`${server} healthy`, async () => {
        const r = await call(client, 'docker_get_server_health', { server_name: server });
        return r.structuredContent?.healthy === true && r;
      });
      expect(text(health)).toContain(`${server} is healthy`);
      const tools = await call(client, 'docker_get_server_tools', { server_name: server });
      expect((tools.structuredContent?.tools as { name: string }[]).map((t) => t.name)).toContain('create_entities');
      const listed = await call(client, 'docker_list_servers', { status: 'running', server_type: 'memory' });
      expect((listed.structuredContent?.servers as { name: string }[]).map((s) => s.name)).toContain(server);

      // The memory server says where it keeps its graph on stderr as it starts.
      const logs = await waitFor(`${server}'s logs`, async () => {
        const r = await call(client, 'docker_get_logs', { server_name: server, grep: 'running on stdio' });
        return (r.structuredContent?.lines as unknown[]).length > 0 && r;
      });
      expect(text(logs)).toMatch(/stderr: .*running on stdio/);

      const stopped = await call(client, 'docker_stop_server', { server_name: server });
      expect(text(stopped)).toMatch(/^Stopped: /);
      expect(asked).toEqual([`Stop the MCP server "${server}" (host local)? Its clients lose it until it is started again.`]);
      expect((await serverContainers(server)).map((c) => c.state)).toEqual(['exited']);

      const removed = await call(client, 'docker_remove_server', { server_name: server });
      expect(text(removed)).toBe(`Removed ${server}.`);
      expect(asked).toHaveLength(2);
      expect(await serverContainers(server)).toEqual([]);
      expect(await home.readSpecs()).not.toContain(`${server}:`);
    });
  }

  it('asks before a destructive call: declined, and by a client that cannot ask, nothing changes', async () => {
    await allowWrites('allowWrite: true\n');
    await home.ok(['add', 'mem-ask', '--catalog', 'memory', '--start']);
    const running = await serverContainers('mem-ask');
    expect(running.map((c) => c.state)).toEqual(['running']);

    const no = await connect('gateway', { human: 'decline' });
    const declined = await call(no.client, 'docker_remove_server', { server_name: 'mem-ask' });
    expect(declined.isError).toBe(true);
    expect(text(declined)).toMatch(/^the user did not confirm \("Remove the MCP server "mem-ask".*"\), so nothing was changed$/);
    expect(no.asked).toHaveLength(1);

    const mute = await connect('gateway', { modern: true });
    const refused = await call(mute.client, 'docker_stop_server', { server_name: 'mem-ask' });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toContain('this client cannot ask for it (it does not support MCP elicitation); nothing was changed');
    expect(text(refused)).toContain(`set \`confirmDestructive: false\` in ${settingsFile}`);
    expect(await serverContainers('mem-ask')).toEqual(running);
    expect(await home.readSpecs()).toContain('mem-ask:');
    expect((await home.server('mem-ask')).phase).not.toBe('stopped');

    // `--no-confirm` is the user's say-so: the same client is then not asked.
    const trusted = await connect('stdio', { flags: ['--allow-write', '--no-confirm'] });
    expect(text(await call(trusted.client, 'docker_stop_server', { server_name: 'mem-ask' }))).toMatch(/^Stopped: /);
  });

  it('answers bad input with one sentence and changes nothing', async () => {
    await allowWrites('allowWrite: true\n');
    // A human who would say yes: never asked about a call that cannot succeed.
    const { client, asked } = await connect('gateway', { human: 'accept' });
    const specBefore = await home.readSpecs();
    const containersBefore = await home.containers();
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['docker_get_server_status', { server_name: 'ghost' }, /^there is no server named "ghost"; /],
      ['docker_stop_server', { server_name: 'ghost' }, /^there is no server named "ghost"; /],
      ['docker_remove_server', { server_name: 'ghost' }, /^there is no server named "ghost"; /],
      ['docker_create_server', { server_type: 'Not An Image!', server_name: 'bad1' }, /^server_type "Not An Image!" is neither a catalog entry \(.*\) nor a valid image reference/],
      ['docker_create_server', { server_type: 'memory', server_name: 'bad2', volumes: [{ host_path: '/tmp/../etc', container_path: '/data' }] }, /contains "\.\."/],
      ['docker_create_server', { server_type: 'memory', server_name: 'bad3', host: 'mars' }, /^there is no host named "mars"; known hosts: local$/],
      ['docker_get_logs', { server_name: 'ghost', grep: '(' }, /^there is no server named "ghost"/],
    ];
    for (const [tool, args, sentence] of cases) {
      const r = await call(client, tool, args);
      expect(r.isError, tool).toBe(true);
      expect(text(r)).toMatch(sentence);
      expect(text(r).split('\n')).toHaveLength(1);
    }
    expect(asked).toEqual([]);
    expect(await home.readSpecs()).toBe(specBefore);
    expect(await home.containers()).toEqual(containersBefore);
  });

  it('records every call in the audit log, refusals included, as server "berth"', async () => {
    const { client } = await connect('gateway', { name: 'audited-agent' });
    await call(client, 'docker_list_servers');
    await call(client, 'docker_remove_server', { server_name: 'whatever' });
    const lines = await waitFor('the calls in the audit log', async () => {
      const text = await readFile(path.join(home.paths.stateDir, 'audit.log'), 'utf8').catch(() => '');
      const mine = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { client: string; server: string; tool: string; outcome: string }).filter((e) => e.client === 'audited-agent');
      return mine.length >= 2 && mine;
    });
    expect(lines.map((e) => [e.server, e.tool, e.outcome])).toEqual([
      ['berth', 'docker_list_servers', 'ok'],
      ['berth', 'docker_remove_server', 'tool-error'],
    ]);
  });
});
