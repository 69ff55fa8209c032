import { mkdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clientDef } from '../../daemon/clients/clients.js';
import { list, register, status, sync, unregister, type ClientsContext } from '../../daemon/clients/registrations.js';
import { tempContext } from '../fixtures/clients/context.js';

type Entries = Record<string, Record<string, unknown>>;

describe('drift: what happened to the entries Berth wrote, and sync', () => {
  let dir: string;
  let ctx: ClientsContext;
  let servers: string[];
  let file: string;
  const read = async () => (JSON.parse(await readFile(file, 'utf8')) as { mcpServers: Entries }).mcpServers;
  const write = (e: Entries) => writeFile(file, JSON.stringify({ mcpServers: e }, null, 2));
  const states = async () => Object.fromEntries((await status(ctx, {}))[0]!.entries.map((e) => [e.key, e.state]));

  beforeEach(async () => {
    servers = ['ev', 'mem', 'gone'];
    ({ ctx, dir } = await tempContext(servers));
    ctx = { ...ctx, servers: () => servers };
    file = clientDef('cursor').userFile(ctx.env);
    await register(ctx, { client: 'cursor' });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('is in sync right after registering', async () => {
    expect(await states()).toEqual({ 'berth-ev': 'ok', 'berth-mem': 'ok', 'berth-gone': 'ok' });
  });

  it('reports a hand edit, a hand removal and a removed server; fields Berth does not own are not drift', async () => {
    const e = await read();
    e['berth-ev']!.args = ['connect', 'something-else'];
    e['berth-mem']!.disabled = true;
    delete e['berth-gone'];
    await write(e);
    servers = ['ev', 'mem'];
    const [s] = await status(ctx, {});
    expect(s!.entries).toEqual([
      { server: 'ev', key: 'berth-ev', state: 'edited', detail: 'args changed by hand' },
      { server: 'mem', key: 'berth-mem', state: 'ok' },
      { server: 'gone', key: 'berth-gone', state: 'orphaned', detail: 'Berth has no server gone any more' },
    ]);
    servers = ['ev', 'mem', 'gone'];
    expect((await states())['berth-gone']).toBe('missing');
  });

  it('reports a stale command: Berth moved, or the Node it wrote is gone', async () => {
    const moved = { ...ctx, launcher: { ...ctx.launcher, command: path.join(dir, 'elsewhere', 'node') } };
    expect((await status(moved, {}))[0]!.entries[0]).toMatchObject({ state: 'stale', detail: expect.stringContaining('Berth now runs as') });
    await unlink(ctx.launcher.command);
    expect((await status(ctx, {}))[0]!.entries[0]).toEqual({ server: 'ev', key: 'berth-ev', state: 'stale', detail: `${ctx.launcher.command} no longer exists` });
  });

  it('sync repairs edits and removals, follows a moved Berth, drops removed servers, keeps the user’s own fields', async () => {
    const e = await read();
    e['berth-ev']!.command = '/usr/bin/false';
    e['berth-ev']!.autoApprove = ['echo'];
    delete e['berth-mem'];
    e['mine'] = { command: 'x' };
    await write(e);
    servers = ['ev', 'mem'];
    await mkdir(path.join(dir, 'new'));
    await writeFile(path.join(dir, 'new', 'node'), '');
    const moved = { ...ctx, launcher: { ...ctx.launcher, command: path.join(dir, 'new', 'node') } };

    const [r] = await sync(moved, {});
    expect(r).toMatchObject({ client: 'cursor', written: ['berth-ev', 'berth-mem'], removed: ['berth-gone'], backup: expect.stringMatching(/\.berth-backup-\d{8}T\d{6}Z(?:-\d+)?$/) });
    const after = await read();
    expect(after['berth-ev']).toEqual({ command: moved.launcher.command, args: [...ctx.launcher.args, 'connect', 'ev'], autoApprove: ['echo'] });
    expect(after['berth-mem']).toEqual({ command: moved.launcher.command, args: [...ctx.launcher.args, 'connect', 'mem'] });
    expect(after['berth-gone']).toBeUndefined();
    expect(after['mine']).toEqual({ command: 'x' });
    expect((await status(moved, {}))[0]!.entries.map((x) => x.state)).toEqual(['ok', 'ok']);
    // Nothing to repair: nothing written.
    expect((await sync(moved, {}))[0]).toMatchObject({ written: [], removed: [] });
  });

  it('sync recreates a file removed by hand', async () => {
    await unlink(file);
    expect(new Set(Object.values(await states()))).toEqual(new Set(['missing']));
    await sync(ctx, {});
    expect(Object.keys(await read())).toEqual(['berth-ev', 'berth-mem', 'berth-gone']);
  });

  it('a file broken by hand is reported, and sync leaves it alone', async () => {
    await writeFile(file, '{ "mcpServers": { ');
    const [s] = await status(ctx, {});
    expect(s!.error).toMatch(/mcp\.json is not valid JSON at line 1, column 19 .*Berth did not touch it/);
    const [r] = await sync(ctx, {});
    expect(r!.error).toBe(s!.error);
    expect(await readFile(file, 'utf8')).toBe('{ "mcpServers": { ');
    expect((await list(ctx)).find((c) => c.client === 'cursor' && c.scope === 'user')).toMatchObject({ inSync: false, servers: ['ev', 'mem', 'gone'] });
  });

  it('lists every client with installed, registered servers and sync state, projects included', async () => {
    await mkdir(path.join(ctx.env.home, '.codeium', 'windsurf'), { recursive: true });
    const project = path.join(dir, 'proj');
    await mkdir(project);
    await register(ctx, { client: 'vscode', project, servers: ['ev'] });
    const all = await list(ctx);
    expect(all.map((c) => `${c.client}:${c.scope}`)).toEqual([
      'claude-desktop:user', 'claude-code:user', 'cursor:user', 'windsurf:user', 'cline:user', 'continue:user', 'vscode:user', 'vscode:project',
    ]);
    const by = (id: string, scope = 'user') => all.find((c) => c.client === id && c.scope === scope)!;
    expect(by('cursor')).toMatchObject({ installed: true, servers: ['ev', 'mem', 'gone'], inSync: true });
    expect(by('windsurf')).toMatchObject({ installed: true, servers: [], inSync: true });
    expect(by('claude-desktop')).toMatchObject({ installed: false, servers: [] });
    expect(by('vscode', 'project')).toMatchObject({ installed: true, project, file: path.join(project, '.vscode', 'mcp.json'), servers: ['ev'] });
    await unregister(ctx, { client: 'vscode', project });
    expect((await list(ctx)).some((c) => c.scope === 'project')).toBe(false);
  });
});
