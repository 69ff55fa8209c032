import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientInfo, FileStatus, WriteResult } from '../../daemon/protocol/clients.js';
import { TestHome } from '../support.js';

type Entry = { type: string; command: string; args: string[]; env?: Record<string, string> };

describe('berth clients, through the real CLI, with HOME in a temp dir', () => {
  let home: TestHome;
  let userHome: string;
  let claudeJson: string;
  // HOME reaches the daemon too: the first verb starts it with this environment.
  const berth = (args: string[]) => home.berth(args, { HOME: userHome });
  const json = async <T>(args: string[]): Promise<T> => {
    const r = await berth([...args, '--json']);
    if (r.code !== 0) throw new Error(`berth ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  };
  const original = '{\n  "numStartups": 3,\n  "mcpServers": {\n    "mine": { "type": "stdio", "command": "my-server", "args": [] }\n  }\n}\n';

  beforeAll(async () => {
    home = await TestHome.create();
    userHome = path.join(home.dir, 'home');
    claudeJson = path.join(userHome, '.claude.json');
    await mkdir(userHome, { recursive: true });
    await writeFile(claudeJson, original);
    expect((await json<{ phase: string }>(['add', 'ev', '--catalog', 'everything', '--start'])).phase).toBe('healthy');
  });
  afterAll(() => home.dispose());
  /** ~/.claude.json as the user had it (no backup yet), with ev registered when asked: where each test starts, in any order. */
  const fresh = async (register: boolean) => {
    await rm(`${claudeJson}.berth-backup`, { force: true });
    await writeFile(claudeJson, original);
    if (register) await json<WriteResult>(['clients', 'register', 'claude-code', '--servers', 'ev']);
  };

  it('register claude-code writes a berth connect entry into ~/.claude.json, keeping the rest', async () => {
    await fresh(false);
    const r = await json<WriteResult>(['clients', 'register', 'claude-code', '--servers', 'ev']);
    expect(r).toMatchObject({ client: 'claude-code', file: claudeJson, written: ['berth-ev'], backup: expect.stringMatching(/\.berth-backup-\d{8}T\d{6}Z(?:-\d+)?$/) });
    const doc = JSON.parse(await readFile(claudeJson, 'utf8')) as { numStartups: number; mcpServers: Record<string, Entry> };
    expect(doc.numStartups).toBe(3);
    expect(doc.mcpServers.mine).toEqual({ type: 'stdio', command: 'my-server', args: [] });
    expect(doc.mcpServers['berth-ev']).toEqual({
      type: 'stdio',
      command: process.execPath,
      args: [path.resolve('dist', 'berth.js'), 'connect', 'ev'],
      env: { BERTH_HOME: home.dir },
    });
  });

  it('what the entry says runs: an MCP client spawns it and calls a tool on the one container', async () => {
    await fresh(true);
    const doc = JSON.parse(await readFile(claudeJson, 'utf8')) as { mcpServers: Record<string, Entry> };
    const entry = doc.mcpServers['berth-ev']!;
    const client = new Client({ name: 'clients-test', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: entry.command, args: entry.args, env: entry.env, stderr: 'pipe' }));
    try {
      const tools = await client.listTools();
      expect(tools.tools.map((t) => t.name)).toContain('echo');
      const result = await client.callTool({ name: 'echo', arguments: { message: 'through claude.json' } });
      expect(result.content).toEqual([{ type: 'text', text: 'Echo: through claude.json' }]);
    } finally {
      await client.close();
    }
    expect((await home.containers()).map((c) => c.server)).toEqual(['ev']);
  });

  it('lists Claude Code as installed and in sync; status reports a hand edit, sync repairs it', async () => {
    await fresh(true);
    const list = await json<ClientInfo[]>(['clients']);
    expect(list.find((c) => c.client === 'claude-code')).toMatchObject({ installed: true, servers: ['ev'], inSync: true });

    const text = await readFile(claudeJson, 'utf8');
    await writeFile(claudeJson, text.replace('"connect"', '"konnect"'));
    const [drift] = await json<FileStatus[]>(['clients', 'status']);
    expect(drift!.entries).toEqual([{ server: 'ev', key: 'berth-ev', state: 'edited', detail: 'args changed by hand' }]);
    const human = await berth(['clients', 'status']);
    expect(human.stdout).toContain('berth-ev');
    expect(human.stdout).toContain('edited — args changed by hand');

    const [repaired] = await json<WriteResult[]>(['clients', 'sync']);
    expect(repaired).toMatchObject({ written: ['berth-ev'], removed: [] });
    expect(await readFile(claudeJson, 'utf8')).toBe(text);
    expect((await json<FileStatus[]>(['clients', 'status']))[0]!.entries[0]!.state).toBe('ok');
  });

  it('refuses a file that does not parse, with one sentence naming it and the line, and leaves it as it was', async () => {
    const file = path.join(userHome, '.cursor', 'mcp.json');
    await mkdir(path.dirname(file), { recursive: true });
    const broken = '{\n  "mcpServers": {\n    "x": { "command": "a" },,\n  }\n}\n';
    await writeFile(file, broken);
    const r = await berth(['clients', 'register', 'cursor']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`berth: ${file} is not valid JSON at line 3, column 29 (PropertyNameExpected); Berth did not touch it — fix the file, then run the command again\n`);
    expect(await readFile(file, 'utf8')).toBe(broken);
  });

  it('unregister gives back the original file; bad usage exits 2', async () => {
    await fresh(true);
    const r = await json<WriteResult>(['clients', 'unregister', 'claude-code']);
    expect(r.removed).toEqual(['berth-ev']);
    expect(await readFile(claudeJson, 'utf8')).toBe(original);
    expect((await berth(['clients', 'register', 'emacs'])).code).toBe(2);
    expect((await berth(['clients', 'register', 'cursor', '--servers', 'Not A Name'])).code).toBe(2);
    const unknown = await berth(['clients', 'register', 'claude-code', '--servers', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('Berth has no server "nope"');
  });
});
