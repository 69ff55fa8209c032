import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDaemon } from '../../daemon/client/client.js';
import type { CatalogItem } from '../../daemon/protocol/catalog.js';
import { ClientsImport, ClientsImportPlan } from '../../daemon/protocol/clients.js';
import { FIXTURE_IMAGE, TestHome } from '../support.js';

/** A server.json for the fixture registry. */
function server(name: string, version: string, pkg: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}) {
  return { name, description: `fixture ${name}`, version, ...(pkg ? { packages: [{ transport: { type: 'stdio' }, ...pkg }] } : {}), ...extra };
}

const TOOLS_PKG = { registryType: 'oci', identifier: FIXTURE_IMAGE, packageArguments: [{ type: 'positional', value: '/app/tools.js' }] };
const VERSIONS = [
  server('io.test/tools', '1.0.0', TOOLS_PKG),
  server('io.test/tools', '1.1.0', TOOLS_PKG),
  server('io.test/py', '0.1.0', { registryType: 'pypi', identifier: 'py-fixture' }),
  server('io.test/hosted', '1.0.0', undefined, { remotes: [{ type: 'streamable-http', url: 'https://mcp.example.test/mcp' }] }),
  ...[1, 2, 3, 4, 5].map((n) => server(`io.test/filler-${n}`, '1.0.0', { registryType: 'npm', identifier: `@fixture/filler-${n}`, version: '1.0.0' })),
];
/** Smaller than any limit a client asks for, so a client that does not follow the cursor misses entries. */
const PAGE = 3;

/**
 * The official registry's REST API, as much as Berth uses: `/v0.1/servers` (latest versions, `search`
 * on the name, cursor paging) and `/v0.1/servers/{name}/versions`. Records each request's URL.
 */
function fixtureRegistry(): { server: http.Server; requests: URL[] } {
  const requests: URL[] = [];
  const wrap = (s: (typeof VERSIONS)[number], latest: boolean) => ({ server: s, _meta: { 'io.modelcontextprotocol.registry/official': { status: 'active', isLatest: latest } } });
  const isLatest = (s: (typeof VERSIONS)[number]) => VERSIONS.filter((v) => v.name === s.name).at(-1) === s;
  const srv = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fixture');
    requests.push(url);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const versions = /^\/v0\.1\/servers\/([^/]+)\/versions$/.exec(url.pathname);
    if (versions) {
      const name = decodeURIComponent(versions[1] ?? '');
      const all = VERSIONS.filter((s) => s.name === name);
      return all.length ? send(200, { servers: all.map((s) => wrap(s, isLatest(s))), metadata: { count: all.length } }) : send(404, { error: 'not found' });
    }
    if (url.pathname !== '/v0.1/servers') return send(404, { error: 'not found' });
    const search = url.searchParams.get('search') ?? '';
    const matching = VERSIONS.filter((s) => (url.searchParams.get('version') === 'latest' ? isLatest(s) : true) && s.name.includes(search));
    const start = Number(url.searchParams.get('cursor') ?? '0');
    const page = matching.slice(start, start + Math.min(PAGE, Number(url.searchParams.get('limit') ?? PAGE)));
    const next = start + page.length < matching.length ? String(start + page.length) : undefined;
    send(200, { servers: page.map((s) => wrap(s, isLatest(s))), metadata: { count: page.length, ...(next ? { nextCursor: next } : {}) } });
  });
  return { server: srv, requests };
}

describe('catalogs, search, info and install on the real engine', () => {
  let home: TestHome;
  let registry: ReturnType<typeof fixtureRegistry>;
  let url: string;
  /** What `catalog add` said: the registry every test here reads from is added once, before them. */
  let added: string;
  beforeAll(async () => {
    home = await TestHome.create();
    registry = fixtureRegistry();
    await new Promise<void>((resolve) => registry.server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(registry.server.address() as AddressInfo).port}`;
    added = await home.ok(['catalog', 'add', url, '--name', 'fx']);
  });
  /** Containers of servers other than t1, which one test installs and starts. */
  const othersThanT1 = async () => (await home.containers()).filter((c) => c.server !== 't1');
  afterAll(async () => {
    registry.server.close();
    await home.dispose();
  });

  it('adds a registry by its base URL, following every page of its list', async () => {
    expect(added).toContain('added catalog fx (registry): 8 entries, 1 that Berth cannot run');
    expect(registry.requests.some((r) => r.searchParams.has('cursor'))).toBe(true);
    const ls = await home.ok(['catalog', 'ls']);
    expect(ls).toMatch(/built-in\s+built-in/);
    expect(ls).toMatch(new RegExp(`fx\\s+registry\\s+${url}`));
  });

  it('searches with the registry’s own search, beside the built-in catalog', async () => {
    const r = await home.json<{ entries: CatalogItem[]; problems: string[] }>(['search', 'tools']);
    expect(r.problems).toEqual([]);
    // The built-in `everything` mentions tools in its description; the registry's match is by name.
    expect(r.entries.filter((e) => e.catalog === 'fx').map((e) => [e.id, e.version])).toEqual([['io.test/tools', '1.1.0']]);
    expect(r.entries.map((e) => e.id)).toContain('everything');
    expect(registry.requests.at(-1)?.searchParams.get('search')).toBe('tools');
    const human = await home.ok(['search', 'memory']);
    expect(human).toMatch(/memory\s+built-in\s+npm @modelcontextprotocol\/server-memory/);
  });

  it('shows an entry: every version, what it needs; an unrunnable one says why', async () => {
    const tools = await home.json<CatalogItem>(['info', 'io.test/tools']);
    expect(tools).toMatchObject({ version: '1.1.0', versions: ['1.0.0', '1.1.0'], serverName: 'tools', network: 'none', secrets: [] });
    expect(tools.unrunnable).toBeUndefined();
    // By the name it installs as, too.
    expect((await home.json<CatalogItem>(['info', 'tools'])).id).toBe('io.test/tools');
    const py = await home.ok(['info', 'io.test/py']);
    expect(py).toMatch(/runs:\s+no, pypi py-fixture is a Python package; Berth has no Python build yet/);
    const hosted = await home.json<CatalogItem>(['info', 'io.test/hosted']);
    expect(hosted).toMatchObject({ source: 'remote https://mcp.example.test/mcp', spec: { remote: { url: 'https://mcp.example.test/mcp' } } });
    expect(hosted.unrunnable).toBeUndefined();
  });

  it('installs a registry entry at a chosen version: tested, then added, and started when asked', async () => {
    const out = await home.ok(['install', 'io.test/tools@1.0.0', '--name', 't1', '--start']);
    expect(out).toMatch(/^✓ connection: initialize in \d+ ms, 4 tools$/m);
    expect(out).toMatch(/^✓ checks: hardened, no secrets in defaults/m);
    expect(out).toMatch(/^✓ installed t1 \(healthy\)$/m);
    expect(await home.readSpecs()).toContain(`image: ${FIXTURE_IMAGE}`);
    // The throwaway container is gone; only the installed server's own runs.
    expect((await home.containers()).map((c) => c.server)).toEqual(['t1']);
  });

  it('installs memory from the built-in catalog, leaving only the spec entry', async () => {
    const out = await home.ok(['install', 'memory']);
    expect(out).toMatch(/^✓ (?:built|image) berth\/mcp-memory:\S+ \(npm @modelcontextprotocol\/server-memory@\S+\)$/m);
    expect(out).toMatch(/^✓ connection: initialize in \d+ ms, 9 tools$/m);
    // What a user checks is that the package label is there; the engine may list labels in any order.
    const checks = out.split('\n').find((l) => l.startsWith('✓ checks: '));
    expect(checks).toMatch(/^✓ checks: hardened, no secrets in defaults, labels /);
    expect(checks).toContain('berth.npm-package=@modelcontextprotocol/server-memory@');
    expect(out).toMatch(/^✓ installed memory \(stopped; `berth start memory`\)$/m);
    expect(await home.readSpecs()).toMatch(/memory:\s+catalog: memory/);
    expect((await home.server('memory')).phase).toBe('stopped');
    expect(await othersThanT1()).toEqual([]);
  });

  it('an entry whose test fails leaves no spec entry and no container; an unrunnable one stops before anything runs', async () => {
    const file = path.join(home.dir, 'docker-catalog.yaml');
    await writeFile(
      file,
      [
        'registry:',
        '  crashy:',
        '    description: exits at once',
        `    image: ${FIXTURE_IMAGE}`,
        '    command: ["-e", "process.exit(3)"]',
        '  leaky:',
        '    description: serves, but ships a token in its env defaults',
        `    image: ${FIXTURE_IMAGE}`,
        '    command: ["/app/tools.js"]',
        '    env: [{ name: SERVICE_API_TOKEN, value: demo-token }]',
        '',
      ].join('\n'),
    );
    await home.ok(['catalog', 'add', file]);
    const specsBefore = await home.readSpecs();
    const r = await home.berth(['install', 'crashy']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^✗ connection: the test run failed: /m);
    expect(r.stderr).toContain('install of crashy stopped at connection; nothing was added');
    expect(await home.readSpecs()).toBe(specsBefore);
    expect(await othersThanT1()).toEqual([]);
    expect((await home.status()).servers.map((s) => s.name)).not.toContain('crashy');

    const leaky = await home.berth(['install', 'leaky']);
    expect(leaky.code).toBe(1);
    expect(leaky.stdout).toMatch(/^✓ connection: initialize in \d+ ms, 4 tools$/m);
    expect(leaky.stdout).toMatch(/^✗ checks: secrets in the entry's defaults: SERVICE_API_TOKEN has a default value/m);
    expect(await home.readSpecs()).toBe(specsBefore);
    expect(await othersThanT1()).toEqual([]);

    const py = await home.berth(['install', 'io.test/py']);
    expect(py.code).toBe(1);
    expect(py.stdout).toMatch(/^✗ resolve: io\.test\/py cannot be installed: pypi py-fixture is a Python package; Berth has no Python build yet/m);
  });

  it('forgets a catalog; the built-in one cannot be removed', async () => {
    // A catalog of its own: the other tests here read from fx.
    await home.ok(['catalog', 'add', url, '--name', 'gone']);
    expect(await home.ok(['catalog', 'rm', 'gone'])).toBe('removed catalog gone\n');
    expect(await home.ok(['catalog', 'ls'])).not.toMatch(/^gone /m);
    expect(await home.ok(['catalog', 'ls'])).toMatch(/^fx /m);
    const r = await home.berth(['catalog', 'rm', 'built-in']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the built-in catalog cannot be removed');
  });
});

describe('berth import through the CLI, in a temp HOME', () => {
  let home: TestHome;
  let userHome: string;
  beforeAll(async () => {
    home = await TestHome.create();
    userHome = path.join(home.dir, 'user-home');
    // The daemon this call starts reads the client files of this HOME, whichever test runs first.
    await home.berth(['status'], { HOME: userHome, XDG_CONFIG_HOME: '' });
  });
  afterAll(() => home.dispose());

  it('lists, then with --yes adds the servers stopped and points the client at berth connect', async () => {
    const { mkdir, readdir, readFile } = await import('node:fs/promises');
    const file = path.join(userHome, '.config', 'Claude', 'claude_desktop_config.json');
    await mkdir(path.dirname(file), { recursive: true });
    // The github entry mounts a folder, which must exist on this machine to be imported: one of the test's own.
    const notes = await mkdtemp(path.join(os.tmpdir(), 'berth-import-notes-'));
    const original = (await readFile(path.resolve('test', 'fixtures', 'clients', 'import-claude_desktop_config.json'), 'utf8')).replaceAll('/srv/notes', notes);
    await writeFile(file, original);
    const env = { HOME: userHome, XDG_CONFIG_HOME: '' };
    const plan = await home.berth(['import'], env);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/claude-desktop\s+memory\s+memory\s+run npm @modelcontextprotocol\/server-memory@2026\.8\.31/);
    expect(plan.stdout).toMatch(/claude-desktop\s+fetch\s+-\s+skip: uvx mcp-server-fetch is a Python package/);
    expect(plan.stdout).toMatch(/claude-desktop\s+docs\s+docs\s+run remote https:\/\/docs\.example\.test\/mcp/);
    expect(plan.stdout).toContain('run `berth import --yes` to import them');
    expect(await readFile(file, 'utf8')).toBe(original);

    const done = await home.berth(['import', '--yes'], env);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toMatch(/^✓ Claude Desktop memory → memory/m);
    expect(done.stdout).toMatch(/^✓ Claude Desktop github → github/m);
    expect((await home.status()).servers.filter((s) => ['docs', 'github', 'memory'].includes(s.name)).map((s) => [s.name, s.kind, s.phase])).toEqual([['docs', 'remote', 'stopped'], ['github', undefined, 'stopped'], ['memory', undefined, 'stopped']]);
    const entry = (JSON.parse(await readFile(file, 'utf8')) as { mcpServers: Record<string, { args: string[] }> }).mcpServers.memory;
    expect(entry?.args.slice(-2)).toEqual(['connect', 'memory']);
    const [backup, ...more] = (await readdir(path.dirname(file))).filter((f) => f.startsWith(`${path.basename(file)}.berth-backup-`));
    expect(more).toEqual([]);
    expect(await readFile(path.join(path.dirname(file), backup ?? ''), 'utf8')).toBe(original);
    const secrets = await home.json<{ name: string; sources: string[] }[]>(['secret', 'ls']);
    expect(secrets.find((s) => s.name === 'GITHUB_PERSONAL_ACCESS_TOKEN')?.sources).toEqual(['stored']);
    expect(secrets.find((s) => s.name === 'DOCS_AUTHORIZATION')?.sources).toEqual(['stored']);
    expect(await home.readSpecs()).not.toContain('ghp_');
    expect(await home.readSpecs()).not.toContain('docs-0123456789abcdef');
    await rm(notes, { recursive: true, force: true });
  });

  it('imports only the entries chosen (as the extension does), leaving the others and their files alone', async () => {
    const { mkdir, readFile } = await import('node:fs/promises');
    const file = path.join(userHome, '.cursor', 'mcp.json');
    await mkdir(path.dirname(file), { recursive: true });
    const entry = (pkg: string) => ({ command: 'npx', args: ['-y', `${pkg}@2026.8.31`] });
    await writeFile(file, JSON.stringify({ mcpServers: { thinking: entry('@modelcontextprotocol/server-sequential-thinking'), everything: entry('@modelcontextprotocol/server-everything') } }, null, 2));
    const client = await connectDaemon(home.paths, 'import-test', false);
    try {
      const plan = await client.request(ClientsImportPlan, {});
      expect(plan.candidates.filter((c) => c.file === file && !c.skipped).map((c) => c.key)).toEqual(['thinking', 'everything']);
      const done = await client.request(ClientsImport, { entries: [{ file, key: 'thinking' }] });
      expect(done.results.filter((r) => r.file === file).map((r) => [r.key, r.imported, r.skipped])).toEqual([
        ['thinking', true, undefined],
        ['everything', false, 'not chosen'],
      ]);
    } finally {
      client.close();
    }
    const names = (await home.status()).servers.map((s) => s.name);
    expect(names).toContain('thinking');
    expect(names).not.toContain('everything');
    const after = (JSON.parse(await readFile(file, 'utf8')) as { mcpServers: Record<string, { args: string[] }> }).mcpServers;
    expect(after.thinking?.args.slice(-2)).toEqual(['connect', 'thinking']);
    expect(after.everything).toEqual(entry('@modelcontextprotocol/server-everything'));
    // The other case imports every client of this HOME, in any order: this client's file goes.
    await rm(path.dirname(file), { recursive: true, force: true });
  });
});
