import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clientDef } from '../../daemon/clients/clients.js';
import type { Launcher } from '../../daemon/clients/endpoint.js';
import { classifyEntry } from '../../daemon/clients/importEntry.js';
import { applyImport, planImport, type ImportDeps } from '../../daemon/clients/importer.js';
import { status, type ClientsContext } from '../../daemon/clients/registrations.js';
import type { ServerSpecInput } from '../../daemon/protocol/spec.js';
import { parseClientFile, tempContext } from '../fixtures/clients/context.js';

/** The one dated backup Berth kept of a client file. */
async function onlyBackup(file: string): Promise<string> {
  const backups = (await readdir(path.dirname(file))).filter((f) => f.startsWith(`${path.basename(file)}.berth-backup-`));
  expect(backups).toHaveLength(1);
  return path.join(path.dirname(file), backups[0] ?? '');
}

const FIXTURES = path.resolve('test', 'fixtures', 'clients');
const TOKEN = 'ghp_0123456789abcdefghijABCDEFGHIJ012345';
const DOCS_TOKEN = 'Bearer docs-0123456789abcdef';

describe('import: what Berth makes of one client entry', () => {
  it('npx -y PACKAGE@VERSION ARGS → an npm build of that version with those args', () => {
    const { candidate } = classifyEntry('fs', { command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem@1.2.0', '/data'] });
    expect(candidate).toMatchObject({ kind: 'npm', server: 'fs', summary: 'npm @modelcontextprotocol/server-filesystem@1.2.0 /data' });
    expect(candidate.spec).toEqual({ image: 'berth/mcp-modelcontextprotocol-server-filesystem:1.2.0', build: { npm: '@modelcontextprotocol/server-filesystem', version: '1.2.0' }, args: ['/data'] });
  });

  it('docker run flags Berth cannot honour leave the entry alone, with why', () => {
    expect(classifyEntry('x', { command: 'docker', args: ['run', '--privileged', 'img'] }).candidate.skipped).toBe('docker run --privileged is not a flag Berth imports');
    expect(classifyEntry('x', { command: 'docker', args: ['run', '--network', 'host', 'img'] }).candidate.skipped).toMatch(/--network host/);
    expect(classifyEntry('x', { command: 'docker', args: ['run', '-v', 'data:/data', 'img'] }).candidate.skipped).toMatch(/named volumes are not imported/);
    expect(classifyEntry('x', { command: 'npx', args: ['-p', 'pkg', 'bin'] }).candidate.skipped).toMatch(/npx is run with -p/);
  });
});

describe('import: every client file in a temp home, round-tripped', () => {
  let dir: string;
  let ctx: ClientsContext;
  let launcher: Launcher;
  let claudeFile: string;
  let cursorFile: string;
  let claudeOriginal: string;
  let cursorOriginal: string;
  let added: Map<string, ServerSpecInput>;
  let secrets: Map<string, string>;
  let deps: ImportDeps;

  beforeEach(async () => {
    ({ ctx, dir, launcher } = await tempContext());
    claudeFile = clientDef('claude-desktop').userFile(ctx.env);
    cursorFile = clientDef('cursor').userFile(ctx.env);
    claudeOriginal = await readFile(path.join(FIXTURES, 'import-claude_desktop_config.json'), 'utf8');
    cursorOriginal = await readFile(path.join(FIXTURES, 'import-cursor-mcp.json'), 'utf8');
    for (const [file, text] of [[claudeFile, claudeOriginal], [cursorFile, cursorOriginal]] as const) {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, text);
    }
    added = new Map();
    secrets = new Map();
    deps = {
      has: (name) => added.has(name),
      add: async (name, spec) => void added.set(name, spec as ServerSpecInput),
      remove: async (name) => void added.delete(name),
      setSecret: (name, value) => void secrets.set(name, value),
      storedSecret: (name) => secrets.get(name),
    };
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('lists each entry with what Berth would make of it, and no secret value', async () => {
    const { planned, problems } = await planImport(ctx, deps);
    expect(problems).toEqual([]);
    const rows = planned.map((p) => [p.candidate.client, p.candidate.key, p.candidate.kind, p.candidate.skipped ?? p.candidate.summary]);
    expect(rows).toEqual([
      ['claude-desktop', 'memory', 'npm', 'npm @modelcontextprotocol/server-memory@2026.8.31'],
      ['claude-desktop', 'github', 'image', 'image ghcr.io/github/github-mcp-server:0.9; env GITHUB_TOOLSETS; mounts /srv/notes→/data (ro); network bridge'],
      ['claude-desktop', 'fetch', 'python', expect.stringMatching(/^uvx mcp-server-fetch is a Python package; Berth has no Python build yet/)],
      ['claude-desktop', 'docs', 'remote', 'remote https://docs.example.test/mcp; headers Authorization, X-Client'],
      ['claude-desktop', 'local-tool', 'other', 'it runs my-mcp on the host; Berth imports npx, uvx and docker run entries'],
      ['cursor', 'memory', 'npm', 'npm @modelcontextprotocol/server-memory@2026.8.31'],
      ['cursor', 'hosted', 'remote', 'it is a hosted server at https://mcp.example.test/sse on the older SSE transport; Berth reaches hosted servers over Streamable HTTP only'],
    ]);
    expect(planned.find((p) => p.candidate.key === 'github')?.candidate.secrets).toEqual(['GITHUB_PERSONAL_ACCESS_TOKEN']);
    expect(planned.find((p) => p.candidate.key === 'docs')?.candidate.secrets).toEqual(['DOCS_AUTHORIZATION']);
    expect(JSON.stringify(planned.map((p) => p.candidate))).not.toContain(TOKEN);
    expect(JSON.stringify(planned.map((p) => p.candidate))).not.toContain(DOCS_TOKEN);
  });

  it('adds each server once, moves secrets to the store, rewrites the entries to berth connect keeping comments and backups', async () => {
    const { results } = await applyImport(ctx, deps);
    expect(results.filter((r) => r.imported).map((r) => `${r.client}:${r.key}→${r.server}`)).toEqual(['claude-desktop:memory→memory', 'claude-desktop:github→github', 'claude-desktop:docs→docs', 'cursor:memory→memory']);
    expect([...added.keys()]).toEqual(['memory', 'github', 'docs']);
    expect(added.get('docs')).toEqual({ description: 'imported from Claude Desktop (docs)', remote: { url: 'https://docs.example.test/mcp', headers: { Authorization: '${DOCS_AUTHORIZATION}', 'X-Client': 'claude' } } });
    expect(secrets.get('DOCS_AUTHORIZATION')).toBe(DOCS_TOKEN);
    expect(added.get('memory')).toMatchObject({ image: 'berth/mcp-modelcontextprotocol-server-memory:2026.8.31', build: { npm: '@modelcontextprotocol/server-memory', version: '2026.8.31' }, env: { MEMORY_FILE_PATH: '/tmp/memory.jsonl' } });
    expect(added.get('github')).toMatchObject({
      image: 'ghcr.io/github/github-mcp-server:0.9',
      args: ['stdio'],
      env: { GITHUB_TOOLSETS: 'repos,issues' },
      secrets: ['GITHUB_PERSONAL_ACCESS_TOKEN'],
      volumes: [{ source: '/srv/notes', target: '/data', readOnly: true }],
      network: 'bridge',
    });
    expect(JSON.stringify([...added.values()])).not.toContain(TOKEN);
    expect(JSON.stringify([...added.values()])).not.toContain(DOCS_TOKEN);
    expect(secrets.get('GITHUB_PERSONAL_ACCESS_TOKEN')).toBe(TOKEN);

    const claude = parseClientFile('claude-desktop', await readFile(claudeFile, 'utf8')).mcpServers as Record<string, Record<string, unknown>>;
    const connect = (name: string) => ({ command: launcher.command, args: [...launcher.args, 'connect', name] });
    expect(claude.memory).toEqual(connect('memory'));
    expect(claude.github).toEqual(connect('github'));
    expect(claude.docs).toEqual(connect('docs'));
    const original = parseClientFile('claude-desktop', claudeOriginal).mcpServers as Record<string, unknown>;
    for (const key of ['fetch', 'local-tool']) expect(claude[key], key).toEqual(original[key]);
    expect(await readFile(await onlyBackup(claudeFile), 'utf8')).toBe(claudeOriginal);

    const cursorText = await readFile(cursorFile, 'utf8');
    expect(cursorText).toContain('// The same memory server as in Claude Desktop: one Berth server for both.');
    expect(cursorText).toContain('// a remote one');
    expect((parseClientFile('cursor', cursorText).mcpServers as Record<string, unknown>).memory).toEqual(connect('memory'));
    expect(await readFile(await onlyBackup(cursorFile), 'utf8')).toBe(cursorOriginal);

    // Berth now owns those entries: in sync, and a second import finds them Berth's already.
    const files = await status({ ...ctx, servers: () => [...added.keys()] }, {});
    expect(files.flatMap((f) => f.entries.map((e) => `${e.key}:${e.state}`)).sort()).toEqual(['docs:ok', 'github:ok', 'memory:ok', 'memory:ok']);
    const again = await planImport(ctx, deps);
    expect(again.planned.filter((p) => p.candidate.kind === 'berth').map((p) => p.candidate.key)).toEqual(['memory', 'github', 'docs', 'memory']);
  });

  it('with chosen entries, imports only those and leaves the others, and their files, as they are', async () => {
    const { results } = await applyImport(ctx, deps, [{ file: cursorFile, key: 'memory' }]);
    expect(results.filter((r) => r.imported).map((r) => `${r.client}:${r.key}`)).toEqual(['cursor:memory']);
    expect(results.filter((r) => r.skipped === 'not chosen').map((r) => `${r.client}:${r.key}`)).toEqual(['claude-desktop:memory', 'claude-desktop:github', 'claude-desktop:docs']);
    expect([...added.keys()]).toEqual(['memory']);
    expect(secrets.size).toBe(0);
    expect(await readFile(claudeFile, 'utf8')).toBe(claudeOriginal);
    expect((parseClientFile('cursor', await readFile(cursorFile, 'utf8')).mcpServers as Record<string, unknown>).memory).toEqual({ command: launcher.command, args: [...launcher.args, 'connect', 'memory'] });
  });

  it('an entry named like a server Berth has already is left alone, and its file untouched', async () => {
    added.set('memory', { image: 'x' } as ServerSpecInput);
    added.set('github', { image: 'x' } as ServerSpecInput);
    added.set('docs', { image: 'x' } as ServerSpecInput);
    const { results } = await applyImport(ctx, deps);
    expect(results.filter((r) => r.key === 'memory').map((r) => r.skipped)).toEqual(['Berth has a server named memory already', 'Berth has a server named memory already']);
    expect(await readFile(claudeFile, 'utf8')).toBe(claudeOriginal);
    expect(await readFile(cursorFile, 'utf8')).toBe(cursorOriginal);
  });
});
