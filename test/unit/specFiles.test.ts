import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ImageRef } from '../../daemon/protocol/spec.js';
import { CATALOG, searchCatalog } from '../../daemon/servers/catalog.js';
import { containerOptions } from '../../daemon/servers/containerOptions.js';
import { loadSpecs, parseSpecText, specHash, writeServerEntry } from '../../daemon/servers/specFiles.js';

const F = '/home/me/.config/berth/servers.yaml';

function specs(yaml: string) {
  const r = parseSpecText(yaml, F);
  if ('error' in r) throw new Error(r.error);
  return r.specs;
}

function error(yaml: string): string {
  const r = parseSpecText(yaml, F);
  if (!('error' in r)) throw new Error('expected an error');
  return r.error;
}

describe('spec files', () => {
  it('resolves a catalog entry with its defaults, hardened', () => {
    const [s] = specs('servers:\n  mem:\n    catalog: memory\n');
    expect(s).toMatchObject({
      name: 'mem',
      image: expect.stringMatching(/^berth\/mcp-memory:/),
      build: { npm: '@modelcontextprotocol/server-memory' },
      network: 'none',
      env: { MEMORY_FILE_PATH: '/home/mcp/memory.jsonl' },
      state: '/home/mcp',
      limits: { memory: '256m', cpus: '1', pids: 128 },
      security: { readOnlyRootfs: true, noNewPrivileges: true, user: '10001:10001', capAdd: [] },
      restart: 'on-failure',
      source: F,
    });
  });

  it('names the image of a git or folder build after the server and its source, so a changed source is a new image', () => {
    const [git, moved, folder] = specs(
      'servers:\n  g:\n    build: { git: "https://example.test/r.git", ref: v1, path: srv }\n  g2:\n    build: { git: "https://example.test/r.git", ref: v2, path: srv }\n  f:\n    build: { folder: /srv/mcp/weather }\n',
    );
    expect(git).toMatchObject({ image: expect.stringMatching(/^berth\/src-g:[0-9a-f]{12}$/), build: { git: 'https://example.test/r.git', ref: 'v1', path: 'srv' } });
    expect(moved?.image?.split(':')[1]).not.toBe(git?.image?.split(':')[1]);
    expect(folder).toMatchObject({ image: expect.stringMatching(/^berth\/src-f:/), build: { folder: '/srv/mcp/weather' } });
    expect(ImageRef.safeParse(git?.image).success).toBe(true);
  });

  it('refuses build sources that could reach outside what they name, and Python packages, with one sentence', () => {
    expect(error('servers:\n  g:\n    build: { git: "ext::sh -c touch% /tmp/x" }\n')).toContain('servers.g.build');
    expect(error('servers:\n  g:\n    build: { git: "https://x.test/r.git", ref: "--upload-pack=touch" }\n')).toContain('servers.g.build');
    expect(error('servers:\n  g:\n    build: { git: "https://x.test/r.git", path: "../.." }\n')).toContain('servers.g.build');
    expect(error('servers:\n  f:\n    build: { folder: relative/dir }\n')).toBe(`${F}: servers.f.build.folder: "relative/dir" must be an absolute path`);
    expect(error('servers:\n  f:\n    build: { folder: /etc }\n')).toContain('servers.f.build.folder: "/etc" is or holds a sensitive path');
    expect(error('servers:\n  py:\n    build: { pypi: mcp-server-fetch }\n')).toBe(
      `${F}: servers.py.build: pypi mcp-server-fetch is a Python package; Berth has no Python build yet (npm packages, git repositories, folders and images only), so run an image of it instead`,
    );
  });

  it("keeps a server's state in its own volume unless the spec says state: false; a state folder is absolute", () => {
    const [off, own] = specs('servers:\n  mem:\n    catalog: memory\n    state: false\n  mine:\n    image: x/y:1\n    state: /data\n');
    expect(off?.state).toBeUndefined();
    expect(own?.state).toBe('/data');
    expect(error('servers:\n  s:\n    image: x/y:1\n    state: data\n')).toBe(`${F}: servers.s.state: "data" must be an absolute folder in the container, not / and without ".."`);
  });

  it('lets the user override catalog fields one by one', () => {
    const [s] = specs('servers:\n  mem:\n    catalog: memory\n    env: { EXTRA: "1" }\n    limits: { memory: 1g }\n    network: bridge\n');
    expect(s?.env).toEqual({ MEMORY_FILE_PATH: '/home/mcp/memory.jsonl', EXTRA: '1' });
    expect(s?.limits).toEqual({ memory: '1g', cpus: '1', pids: 128 });
    expect(s?.network).toBe('bridge');
  });

  it('a custom image server: no build source, defaults applied', () => {
    const [s] = specs('servers:\n  mine:\n    image: registry.local:5000/team/tool:1.2\n');
    expect(s?.build).toBeUndefined();
    expect(s?.limits.memory).toBe('512m');
  });

  it('names the file, the field path and the reason', () => {
    expect(error('servers:\n  x:\n    catalog: everything\n    limits: { pids: 3 }\n')).toMatch(/servers\.x\.limits\.pids: /);
    expect(error('servers:\n  x:\n    image: ok\n    colour: red\n')).toMatch(new RegExp(`^${F}: servers\\.x: .*colour`));
    expect(error('servers:\n  x:\n    catalog: nope\n')).toBe(`${F}: servers.x.catalog: there is no catalog entry "nope"; run \`berth catalog\` to see them`);
    expect(error('servers:\n  Bad:\n    image: ok\n')).toMatch(/servers\.Bad: the name must be/);
    // Berth's own names (its log, its MCP endpoint, `berth tools approve|pending`) are not servers' (issue 22 item 14).
    for (const own of ['daemon', 'berth', 'approve', 'pending']) {
      expect(error(`servers:\n  ${own}:\n    image: ok\n`)).toBe(`${F}: servers.${own}: the name is one of Berth's own names (daemon, berth, approve, pending); pick another`);
    }
    expect(error('servers:\n  x: {}\n')).toMatch(/needs "image", "catalog" or "build"/);
    expect(error('servers:\n  x:\n    image: ok\n    limits: { memory: lots }\n')).toMatch(/servers\.x\.limits: memory limit "lots"/);
    expect(error('servers:\n  fs:\n    catalog: filesystem\n')).toMatch(/needs a folder at \/data; mount the folder/);
    expect(error('servers:\n  x:\n    image: ok\n    volumes: [{ source: /a/../etc, target: /d }]\n')).toMatch(/servers\.x\.volumes\.0: .*"\.\."/);
    expect(error('servers:\n  x:\n    image: ok\n    volumes: [{ source: rel, target: /d }]\n')).toMatch(/must be an absolute path/);
    expect(error('servers: [\n')).toMatch(new RegExp(`^${F}:\\d+: not valid YAML`));
  });

  it('workspace files win over the user file; a broken file contributes nothing', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'berth-spec-'));
    const user = path.join(dir, 'user.yaml');
    const ws = path.join(dir, 'ws.yaml');
    const broken = path.join(dir, 'broken.yaml');
    await writeFile(user, 'servers:\n  a: { image: one }\n  b: { image: two }\n');
    await writeFile(ws, 'servers:\n  b: { image: three }\n');
    await writeFile(broken, 'servers:\n  c: { image: "x;y" }\n');
    const r = await loadSpecs([user, ws, broken, path.join(dir, 'missing.yaml')]);
    expect(r.specs.map((s) => [s.name, s.image, s.source])).toEqual([
      ['a', 'one', user],
      ['b', 'three', ws],
    ]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/broken\.yaml: servers\.c\.image: is not a valid image reference/);
  });

  it('writes entries keeping comments and other servers, atomically, with no default noise', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'berth-spec-'));
    const file = path.join(dir, 'servers.yaml');
    await writeFile(file, '# my servers\nservers:\n  # the one I use most\n  keep: { image: kept }\n');
    await writeServerEntry(file, 'ev', { catalog: 'everything', host: 'local', transport: 'stdio', env: {}, volumes: [] });
    const text = await readFile(file, 'utf8');
    expect(text).toContain('# my servers');
    expect(text).toContain('# the one I use most');
    expect(text).toContain('keep: { image: kept }');
    expect(text).toMatch(/ {2}ev:\n {4}catalog: everything\n/);
    expect(text).not.toMatch(/host|transport|env|volumes/);
    await writeServerEntry(file, 'ev', undefined);
    expect(await readFile(file, 'utf8')).not.toContain('ev:');
    await writeFile(file, 'servers: [\n');
    await expect(writeServerEntry(file, 'x', { image: 'y' })).rejects.toThrow(/is not valid YAML .*; fix it first/);
  });

  it('bounds what one server may carry, with the reason', () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => `"a${i}"`).join(', ');
    expect(error(`servers:\n  x:\n    image: ok\n    args: [${many(1025)}]\n`)).toMatch(/servers\.x\.args: may have at most 1024 entries; put long inputs in a mounted file instead/);
    const env = Array.from({ length: 257 }, (_, i) => `V${i}: x`).join(', ');
    expect(error(`servers:\n  x:\n    image: ok\n    env: { ${env} }\n`)).toMatch(/servers\.x\.env: may set at most 256 variables/);
    const big = 'y'.repeat(4000);
    const args = Array.from({ length: 80 }, () => big).join(', ');
    expect(error(`servers:\n  x:\n    image: ok\n    args: [${args}]\n`)).toMatch(/servers\.x: its command, args and env come to 313 KiB, over the 256 KiB a server may carry/);
    expect(specs(`servers:\n  x:\n    image: ok\n    args: [${many(1024)}]\n`)[0]?.args).toHaveLength(1024);
  });

  it('an alias bomb is an error that names the file, never a hang or a crash', async () => {
    const names = 'abcdefghi';
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < names.length; i++) lines.push(`${names[i]}: &${names[i]} [${Array(9).fill(`*${names[i - 1]}`).join(',')}]`);
    const bomb = `${lines.join('\n')}\nservers: {}\n`;
    expect(error(bomb)).toBe(`${F}: not valid YAML: its aliases expand to too much data (over 100 expansions, as in an alias bomb); write the values out instead`);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'berth-spec-'));
    const file = path.join(dir, 'servers.yaml');
    await writeFile(file, bomb);
    expect((await loadSpecs([file])).errors).toEqual([expect.stringMatching(/alias bomb/)]);
    // `berth add` refuses to rewrite it, so the author's error is not replaced by another.
    await expect(writeServerEntry(file, 'x', { image: 'y' })).rejects.toThrow(/alias bomb.*fix it first/);
    expect(await readFile(file, 'utf8')).toBe(bomb);
  });

  it('a file that is not a spec file is not quoted back (it may be a key or a config a link points at)', async () => {
    expect(error('aws_secret_access_key: wJalrXUtnFEMI\nregion: x\n')).toBe(`${F}: is not a Berth spec file (its top level must be a map with only a "servers" key)`);
    expect(error('-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n')).not.toMatch(/b3BlbnNzaC|OPENSSH/);
    expect(error('root:$6$salt$hash:19000:0:99999:7:::\n')).not.toMatch(/salt|hash/);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'berth-spec-'));
    const big = path.join(dir, 'big.yaml');
    await writeFile(big, `servers: {}\n#${'x'.repeat(1024 * 1024)}\n`);
    expect((await loadSpecs([big])).errors).toEqual([`${big}: is 1.0 MiB, over the 1 MiB a spec file may be; is it the right file?`]);
  });

  it('hashes only what shapes the container', () => {
    const [a] = specs('servers:\n  x:\n    image: one\n    description: first\n    env: { A: "1", B: "2" }\n');
    const [b] = specs('servers:\n  x:\n    image: one\n    description: second\n    env: { B: "2", A: "1" }\n    health: { intervalSeconds: 5 }\n');
    const [c] = specs('servers:\n  x:\n    image: one\n    env: { A: "1", B: "3" }\n');
    expect(specHash(a!)).toBe(specHash(b!));
    expect(specHash(a!)).not.toBe(specHash(c!));
  });
});

describe('container options', () => {
  it('are hardened by default and relax only what the spec says', () => {
    const [s] = specs('servers:\n  x:\n    image: one\n');
    const o = containerOptions(s!, 'abc', 'h');
    expect(o).toMatchObject({
      name: 'berth-abc-x',
      networkMode: 'none',
      readonlyRootfs: true,
      capDrop: ['ALL'],
      capAdd: [],
      securityOpt: ['no-new-privileges:true'],
      user: '10001:10001',
      memoryBytes: 512 * 1024 * 1024,
      nanoCpus: 1e9,
      pidsLimit: 256,
      init: true,
      openStdin: true,
      tmpfs: { '/tmp': 'rw,noexec,nosuid,size=64m' },
      labels: { 'berth.managed': 'true', 'berth.instance': 'abc', 'berth.server': 'x', 'berth.spec-hash': 'h', 'berth.host': 'local' },
    });
    const [r] = specs('servers:\n  x:\n    image: one\n    security: { readOnlyRootfs: false, user: "0", capAdd: [NET_BIND_SERVICE] }\n    volumes: [{ source: /srv, target: /data, readOnly: false }]\n');
    const ro = containerOptions(r!, 'abc', 'h');
    expect(ro).toMatchObject({ readonlyRootfs: false, user: '0', capAdd: ['NET_BIND_SERVICE'], binds: ['/srv:/data:rw'], capDrop: ['ALL'] });
  });
});

describe('image references and the catalog', () => {
  it('accepts real references and refuses shell- and flag-shaped ones', () => {
    for (const ok of ['alpine', 'alpine:3.20', 'ghcr.io/org/img:v1', 'localhost:5000/a/b', `x@sha256:${'a'.repeat(64)}`]) expect(ImageRef.safeParse(ok).success).toBe(true);
    for (const bad of ['a;b', '$(id)', '`id`', '-x', 'A', 'a b', 'a:b:c', '']) expect(ImageRef.safeParse(bad).success).toBe(false);
  });

  it('has the four official servers, each with an image, npm source, limits and a description', () => {
    expect(CATALOG.map((e) => e.id)).toEqual(['everything', 'memory', 'filesystem', 'sequential-thinking']);
    for (const e of CATALOG) {
      expect(ImageRef.safeParse(e.spec.image).success).toBe(true);
      expect(e.spec.build.npm).toBe(`@modelcontextprotocol/server-${e.id}`);
      expect(e.spec.limits?.memory).toBeDefined();
      expect(e.description.length).toBeGreaterThan(10);
    }
    expect(searchCatalog('graph').map((e) => e.id)).toEqual(['memory']);
    expect(searchCatalog(undefined)).toHaveLength(4);
  });
});
