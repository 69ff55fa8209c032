import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clientDef } from '../../daemon/clients/clients.js';
import type { Launcher } from '../../daemon/clients/endpoint.js';
import { register, unregister, type ClientsContext } from '../../daemon/clients/registrations.js';
import type { ClientId } from '../../daemon/protocol/clients.js';
import { parseClientFile, tempContext } from '../fixtures/clients/context.js';

const FIXTURES = path.resolve('test', 'fixtures', 'clients');

const CASES: { client: ClientId; fixture: string; project?: boolean; foreign: string[] }[] = [
  { client: 'claude-desktop', fixture: 'claude_desktop_config.json', foreign: ['filesystem', 'memory'] },
  { client: 'cursor', fixture: 'cursor-mcp.json', foreign: ['playwright', 'remote-docs'] },
  { client: 'cursor', fixture: 'cursor-mcp.json', project: true, foreign: ['playwright', 'remote-docs'] },
  { client: 'windsurf', fixture: 'windsurf-mcp_config.json', foreign: ['github', 'git'] },
  { client: 'cline', fixture: 'cline_mcp_settings.json', foreign: ['brave-search'] },
  { client: 'continue', fixture: 'continue-config.yaml', foreign: ['SQLite MCP', 'Docs'] },
  { client: 'claude-code', fixture: 'claude.json', foreign: ['sentry'] },
  { client: 'claude-code', fixture: 'project-mcp.json', project: true, foreign: ['shared-server'] },
  { client: 'vscode', fixture: 'vscode-mcp.json', foreign: ['fetch'] },
  { client: 'vscode', fixture: 'vscode-mcp.json', project: true, foreign: ['fetch'] },
];

/** The entries under the client's container, by name, whatever its shape. */
function entries(client: ClientId, doc: Record<string, unknown>): Record<string, Record<string, unknown>> {
  const c = doc[clientDef(client).shape.container];
  if (Array.isArray(c)) return Object.fromEntries((c as Record<string, unknown>[]).map((e) => [String(e.name), e]));
  return (c ?? {}) as Record<string, Record<string, unknown>>;
}

describe('client files: register then unregister round-trips each format', () => {
  let dir: string;
  let ctx: ClientsContext;
  let launcher: Launcher;
  beforeEach(async () => ({ ctx, dir, launcher } = await tempContext()));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  for (const c of CASES) {
    it(`${c.client}${c.project ? ' (project)' : ''}: keeps foreign entries and comments, restores the original bytes`, async () => {
      const project = c.project ? path.join(dir, 'project') : undefined;
      if (project) await mkdir(project);
      const def = clientDef(c.client);
      const file = project ? def.projectFile!(ctx.env, project) : def.userFile(ctx.env);
      const original = await readFile(path.join(FIXTURES, c.fixture), 'utf8');
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, original);

      const r = await register(ctx, { client: c.client, project, servers: ['ev', 'mem'] });
      expect(r.file).toBe(file);
      expect(r.written).toEqual(['berth-ev', 'berth-mem']);
      expect(r.backup).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.berth-backup-\\d{8}T\\d{6}Z$`));
      expect((await stat(r.backup!)).mode & 0o777).toBe(0o600);
      expect(await readFile(r.backup!, 'utf8')).toBe(original);

      const text = await readFile(file, 'utf8');
      const got = entries(c.client, parseClientFile(c.client, text));
      for (const name of c.foreign) expect(got[name], name).toEqual(entries(c.client, parseClientFile(c.client, original))[name]);
      expect(got['berth-ev']).toMatchObject({ command: launcher.command, args: [...launcher.args, 'connect', 'ev'] });
      expect(got['berth-mem']).toMatchObject({ command: launcher.command, args: [...launcher.args, 'connect', 'mem'] });
      // Every comment line of the original is still there.
      for (const line of original.split('\n').filter((l) => /^\s*(\/\/|\/\*|#)|\s#\s/.test(l))) expect(text).toContain(line.trim());

      const u = await unregister(ctx, { client: c.client, project });
      expect(u.removed.sort()).toEqual(['berth-ev', 'berth-mem']);
      expect(await readFile(file, 'utf8')).toBe(original);
    });
  }

  it('writes each client its own entry format', async () => {
    const shapes: Record<ClientId, unknown> = {
      'claude-desktop': { command: launcher.command, args: [...launcher.args, 'connect', 'ev'] },
      cursor: { command: launcher.command, args: [...launcher.args, 'connect', 'ev'] },
      windsurf: { command: launcher.command, args: [...launcher.args, 'connect', 'ev'] },
      cline: { command: launcher.command, args: [...launcher.args, 'connect', 'ev'] },
      continue: { name: 'berth-ev', command: launcher.command, args: [...launcher.args, 'connect', 'ev'] },
      'claude-code': { type: 'stdio', command: launcher.command, args: [...launcher.args, 'connect', 'ev'] },
      vscode: { type: 'stdio', command: launcher.command, args: [...launcher.args, 'connect', 'ev'] },
    };
    for (const [client, shape] of Object.entries(shapes) as [ClientId, unknown][]) {
      const r = await register(ctx, { client, servers: ['ev'] });
      expect(r.backup).toBeUndefined();
      const doc = parseClientFile(client, await readFile(r.file, 'utf8'));
      expect(entries(client, doc)['berth-ev'], client).toEqual(shape);
    }
    // VS Code's top key is `servers`.
    expect(Object.keys(parseClientFile('vscode', await readFile(clientDef('vscode').userFile(ctx.env), 'utf8')))).toEqual(['servers']);
  });

  it('creates a missing file (0600) and removes it again when the last entry goes', async () => {
    const file = clientDef('cursor').userFile(ctx.env);
    await register(ctx, { client: 'cursor', servers: ['ev'] });
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ mcpServers: { 'berth-ev': { command: launcher.command, args: [...launcher.args, 'connect', 'ev'] } } });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    await unregister(ctx, { client: 'cursor' });
    expect(existsSync(file)).toBe(false);
  });

  it('adds a container the file lacked, and takes it out again', async () => {
    const file = clientDef('claude-desktop').userFile(ctx.env);
    await mkdir(path.dirname(file), { recursive: true });
    const original = '{\n  "globalShortcut": ""\n}\n';
    await writeFile(file, original);
    await register(ctx, { client: 'claude-desktop' });
    expect(Object.keys(entries('claude-desktop', JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>))).toEqual(['berth-ev', 'berth-mem']);
    await unregister(ctx, { client: 'claude-desktop', servers: ['ev'] });
    await unregister(ctx, { client: 'claude-desktop', servers: ['mem'] });
    expect(await readFile(file, 'utf8')).toBe(original);
  });

  it('registers every server when none are named, and refuses names Berth does not have', async () => {
    const r = await register(ctx, { client: 'windsurf' });
    expect(r.written).toEqual(['berth-ev', 'berth-mem']);
    await expect(register(ctx, { client: 'windsurf', servers: ['ev', 'nope'] })).rejects.toThrow('Berth has no server "nope"');
    await expect(register(ctx, { client: 'claude-desktop', project: dir })).rejects.toThrow('Claude Desktop has no per-project file');
  });

  it('leaves a user entry that merely shares the name alone', async () => {
    const file = clientDef('cursor').userFile(ctx.env);
    await mkdir(path.dirname(file), { recursive: true });
    const original = '{ "mcpServers": { "berth-ev": { "command": "something-else" } } }';
    await writeFile(file, original);
    await expect(register(ctx, { client: 'cursor', servers: ['ev'] })).rejects.toThrow(`${file} already has an entry "berth-ev" that Berth did not write`);
    expect(await readFile(file, 'utf8')).toBe(original);
  });

  it('writes through a symlinked file, keeping the link, with the mode of the file it replaces', async () => {
    const real = path.join(dir, 'dotfiles', 'mcp.json');
    await mkdir(path.dirname(real), { recursive: true });
    await writeFile(real, '{}\n');
    await chmod(real, 0o640);
    const file = clientDef('cursor').userFile(ctx.env);
    await mkdir(path.dirname(file), { recursive: true });
    await symlink(real, file);
    await register(ctx, { client: 'cursor', servers: ['ev'] });
    expect(lstatSync(file).isSymbolicLink()).toBe(true);
    expect(JSON.parse(await readFile(real, 'utf8'))).toHaveProperty(['mcpServers', 'berth-ev']);
    expect((await stat(real)).mode & 0o777).toBe(0o640);
    expect(readdirSync(path.dirname(real)).some((f) => f.startsWith(`${path.basename(real)}.berth-backup-`))).toBe(true);
  });
});

describe('client files that do not parse are refused and left untouched', () => {
  let dir: string;
  let ctx: ClientsContext;
  beforeEach(async () => ({ ctx, dir } = await tempContext()));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const broken: [ClientId, string, RegExp][] = [
    ['cursor', '{\n  "mcpServers": {\n    "a": { "command": "x" }\n    "b": {}\n  }\n}\n', /mcp\.json is not valid JSON at line 4, column 5 \(CommaExpected\); Berth did not touch it/],
    ['continue', 'name: x\nmcpServers:\n  - name: a\n   command: [unclosed\n', /config\.yaml is not valid YAML at line \d+, column \d+ \(.+\); Berth did not touch it/],
    ['vscode', '{ "servers": [] }', /"servers" is not an object/],
    ['claude-desktop', '[1, 2]', /top level is not a JSON object/],
  ];
  for (const [client, text, message] of broken) {
    it(`${client}: ${message.source.slice(0, 40)}…`, async () => {
      const file = clientDef(client).userFile(ctx.env);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, text);
      await expect(register(ctx, { client, servers: ['ev'] })).rejects.toThrow(message);
      expect(await readFile(file, 'utf8')).toBe(text);
      expect(existsSync(`${file}.berth-backup`)).toBe(false);
    });
  }

  it('does not create config.yaml where Continue still reads config.json', async () => {
    const json = path.join(ctx.env.home, '.continue', 'config.json');
    await mkdir(path.dirname(json), { recursive: true });
    await writeFile(json, '{}');
    await expect(register(ctx, { client: 'continue' })).rejects.toThrow(/Continue reads .*config\.json; creating .*config\.yaml would replace it/);
    expect(existsSync(clientDef('continue').userFile(ctx.env))).toBe(false);
  });
});
