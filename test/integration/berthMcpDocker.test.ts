import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berthBackend, type EnableHints } from '../../daemon/berthMcp/backend.js';
import { dockerTools } from '../../daemon/berthMcp/docker/tools.js';
import type { BerthMcpDeps } from '../../daemon/berthMcp/tool.js';
import { DockerRuntime } from '../../daemon/hosts/dockerRuntime.js';
import { Hosts } from '../../daemon/hosts/hosts.js';
import { ensureBaseImage } from '../../daemon/images/baseImage.js';
import { AuditLog } from '../../daemon/logs/audit.js';
import { LogStore } from '../../daemon/logs/store.js';
import { createProxyServer } from '../../daemon/mcp/proxyServer.js';
import { RoundTrips } from '../../daemon/mcp/roundTrips.js';
import { BerthMcpSettings } from '../../daemon/protocol/berthMcp.js';
import { berthPaths } from '../../daemon/protocol/paths.js';
import { Registry } from '../../daemon/servers/registry.js';

const run = promisify(execFile);

/** Every resource this file makes starts with this, so afterAll removes exactly those. */
const P = `bmcp-${randomBytes(3).toString('hex')}`;
const HINTS: EnableHints = { allowWrite: 'turn writes on', enable: (t) => `enable ${t}`, noConfirm: 'turn confirmation off' };
const KEEP_RUNNING = ['node', '-e', "console.log('hello from berth'); setInterval(() => {}, 1e9)"];

let home: string;
let deps: BerthMcpDeps;
let base: string;
const clients: Client[] = [];

type Result = { content: { type: string; text: string }[]; structuredContent?: Record<string, unknown>; isError?: boolean };

interface Session {
  client: Client;
  call(name: string, args?: Record<string, unknown>, onprogress?: (p: unknown) => void): Promise<Result>;
  /** The structured result; fails the test with the tool's sentence when it is an error. */
  ok<T = Record<string, unknown>>(name: string, args?: Record<string, unknown>): Promise<T>;
  /** The one sentence of a refused or failed call; fails the test when the call worked. */
  fails(name: string, args?: Record<string, unknown>): Promise<string>;
}

/** A real SDK v2 client on Berth's tools, served by the same proxy the gateway uses, over an in-memory pair. */
async function connect(settings: Partial<BerthMcpSettings>, capabilities: Record<string, unknown> = {}): Promise<Session> {
  // The test's temporary folder is where the tools may mount and build from, as a user's mountRoots would say.
  const s = BerthMcpSettings.parse({ mountRoots: [home], ...settings });
  const backend = berthBackend(deps, dockerTools, () => s, HINTS);
  const [serverSide, clientSide] = InMemoryTransport.createLinkedPair();
  await createProxyServer(backend, { era: 'legacy', trips: new RoundTrips() }).connect(serverSide);
  const client = new Client({ name: 'berth-mcp-docker-test', version: '1' }, { capabilities });
  await client.connect(clientSide);
  clients.push(client);
  const call = async (name: string, args: Record<string, unknown> = {}, onprogress?: (p: unknown) => void) =>
    (await client.callTool({ name, arguments: args }, { timeout: 240_000, ...(onprogress && { onprogress }) })) as Result;
  return {
    client,
    call,
    ok: async <T,>(name: string, args: Record<string, unknown> = {}) => {
      const r = await call(name, args);
      if (r.isError) throw new Error(`${name} failed: ${r.content[0]?.text}`);
      return r.structuredContent as T;
    },
    fails: async (name: string, args: Record<string, unknown> = {}) => {
      const r = await call(name, args);
      if (!r.isError) throw new Error(`${name} worked, and should not have: ${r.content[0]?.text}`);
      const text = r.content[0]?.text ?? '';
      expect(text.split('\n')).toHaveLength(1);
      return text;
    },
  };
}

const WRITES = { allowWrite: true, confirmDestructive: false };

async function docker(...args: string[]): Promise<string> {
  return (await run('docker', args)).stdout.trim();
}

/** Containers of this file by name prefix, straight from the engine. */
async function engineContainers(prefix = P): Promise<string[]> {
  return (await docker('ps', '-a', '--filter', `name=^${prefix}`, '--format', '{{.Names}}')).split('\n').filter(Boolean);
}

beforeAll(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'berth-mcp-docker-'));
  const paths = berthPaths({ BERTH_HOME: home });
  const configDir = path.dirname(paths.userSpecFile);
  await mkdir(configDir, { recursive: true });
  // A host that is down: nothing listens on port 1.
  await writeFile(path.join(configDir, 'hosts.json'), JSON.stringify({ hosts: { downhost: { url: 'ssh://nobody@127.0.0.1:1' } } }));
  const rt = new DockerRuntime();
  const hosts = new Hosts({ configDir, stateDir: paths.stateDir, local: rt, localAddress: 'unix:///var/run/docker.sock' });
  await hosts.open();
  const logs = new LogStore(paths.logsDir);
  const audit = new AuditLog(paths.stateDir);
  const registry = new Registry({ rt, hosts, logs, audit, instance: paths.instance, userSpecFile: paths.userSpecFile, stateDir: paths.stateDir, onChange: () => undefined });
  deps = { registry, hosts, logs, audit };
  base = await ensureBaseImage(rt, () => undefined);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  deps.hosts.close();
  const ids = await docker('ps', '-aq', '--filter', `name=^${P}`);
  if (ids) await run('docker', ['rm', '-f', ...ids.split('\n')]).catch(() => undefined);
  for (const kind of ['network', 'volume'] as const) {
    const names = (await docker(kind, 'ls', '-q', '--filter', `name=${P}`)).split('\n').filter((n) => n.startsWith(P));
    if (names.length) await run('docker', [kind, 'rm', ...names]).catch(() => undefined);
  }
  const images = (await docker('images', '--format', '{{.Repository}}:{{.Tag}}')).split('\n').filter((i) => i.includes(P));
  if (images.length) await run('docker', ['rmi', '-f', ...images]).catch(() => undefined);
  await rm(home, { recursive: true, force: true });
});

describe("Berth's Docker tools over MCP", () => {
  it('offers only reading tools by default, and refuses every write with a sentence that says how to allow it, changing nothing', async () => {
    const s = await connect({});
    const { tools } = await s.client.listTools();
    const reading = dockerTools.filter((t) => t.annotations.readOnlyHint).map((t) => t.name);
    expect(tools.map((t) => t.name).sort()).toEqual([...reading].sort());
    for (const t of tools) expect(t.annotations?.readOnlyHint).toBe(true);
    const before = await engineContainers();
    for (const t of dockerTools.filter((x) => !x.annotations.readOnlyHint)) {
      expect(await s.fails(t.name, { container: `${P}-x`, name: `${P}-x`, image: 'x', network: 'x', command: ['true'] })).toContain('read-only; turn writes on');
    }
    expect(await engineContainers()).toEqual(before);
  });

  it('describes every tool truthfully: output schemas, and annotations that mark removal, stopping and exec destructive', async () => {
    const s = await connect({ allowWrite: true, enable: ['execute_command_in_container', 'copy_files_to_container', 'copy_files_from_container', 'build_image'] });
    const { tools } = await s.client.listTools();
    expect(tools).toHaveLength(31);
    for (const t of tools) expect(t.outputSchema).toMatchObject({ type: 'object' });
    const destructive = tools.filter((t) => t.annotations?.destructiveHint).map((t) => t.name).sort();
    expect(destructive).toEqual(
      ['copy_files_from_container', 'copy_files_to_container', 'disconnect_container', 'execute_command_in_container', 'push_image', 'remove_container', 'remove_image', 'remove_network', 'remove_volume', 'restart_container', 'stop_container'].sort(),
    );
    expect(tools.find((t) => t.name === 'pull_image')?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false, openWorldHint: true });
  });

  it('runs a container through its whole life, with the count checked on the engine at each end', async () => {
    const s = await connect(WRITES);
    const name = `${P}-life`;
    const created = await s.ok<{ name: string; started: boolean }>('create_container', { image: base, name, command: KEEP_RUNNING, start: true });
    expect(created).toMatchObject({ name, started: true });
    expect(await engineContainers(name)).toEqual([name]);
    const listed = await s.ok<{ containers: { name: string; owner: string }[] }>('list_containers', { name });
    expect(listed.containers).toEqual([expect.objectContaining({ name, owner: 'agent' })]);
    expect(await s.ok('inspect_container', { container: name })).toMatchObject({ name, owner: 'agent', state: { running: true }, networks: [{ name: 'none' }] });
    await expect.poll(async () => (await s.ok<{ lines: string[] }>('monitor_container_logs', { container: name, lines: 10 })).lines.join('\n'), { timeout: 30_000 }).toContain('hello from berth');
    const stats = await s.ok<{ pids: number; memoryBytes: number }>('get_container_stats', { container: name });
    expect(stats.pids).toBeGreaterThanOrEqual(1);
    expect(stats.memoryBytes).toBeGreaterThan(0);
    expect(await s.ok('pause_container', { container: name })).toMatchObject({ state: 'paused' });
    expect(await s.ok('unpause_container', { container: name })).toMatchObject({ state: 'running' });
    expect(await s.fails('remove_container', { container: name })).toBe(`container ${name} is running; stop_container it first, or pass force: true to kill and remove it`);
    expect(await s.ok('stop_container', { container: name, timeout_seconds: 1 })).toMatchObject({ state: 'exited' });
    expect(await s.fails('get_container_stats', { container: name })).toContain('is exited, so it has no stats');
    expect(await s.ok('start_container', { container: name })).toMatchObject({ state: 'running' });
    expect(await s.ok('restart_container', { container: name, timeout_seconds: 1 })).toMatchObject({ state: 'running' });
    expect(await s.ok('remove_container', { container: name, force: true })).toMatchObject({ removed: true });
    expect(await engineContainers(name)).toEqual([]);
    expect(await s.fails('inspect_container', { container: name })).toBe(`there is no container "${name}" on host local among the containers Berth manages; list_containers shows them`);
  });

  it('keeps logs bounded, and a window waits for lines written meanwhile', async () => {
    const s = await connect(WRITES);
    const name = `${P}-logs`;
    await s.ok('create_container', { image: base, name, start: true, command: ['node', '-e', "console.log('y'.repeat(100000)); for (let i = 0; i < 50; i++) console.log('line ' + i); setTimeout(() => console.log('late line'), 1500); setInterval(() => {}, 1e9)"] });
    await expect.poll(async () => (await s.ok<{ lines: string[] }>('monitor_container_logs', { container: name, lines: 1000 })).lines.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(50);
    const cut = await s.call('monitor_container_logs', { container: name, lines: 5 });
    expect((cut.structuredContent as { lines: string[]; truncated: boolean }).lines).toHaveLength(5);
    expect(cut.structuredContent).toMatchObject({ truncated: true });
    expect(cut.content[0]?.text).toContain('(the logs cut to fit; ask for fewer lines or a shorter since_seconds)');
    const long = (await s.ok<{ lines: string[] }>('monitor_container_logs', { container: name, lines: 1000 })).lines.find((l) => l.includes('yyy')) ?? '';
    expect(long.length).toBeLessThan(9000);
    expect(long.endsWith('…')).toBe(true);
    const windowed = await s.ok<{ lines: string[] }>('monitor_container_logs', { container: name, lines: 3, window_seconds: 3 });
    expect(windowed.lines.join('\n')).toContain('late line');
    await s.ok('remove_container', { container: name, force: true });
  });

  it('hides a container Berth does not manage in the managed scope, as if it did not exist, and shows it in the "all" scope', async () => {
    const other = `${P}-other`;
    await docker('create', '--name', other, '--network', 'none', base, ...KEEP_RUNNING);
    const managed = await connect(WRITES);
    expect((await managed.ok<{ total: number }>('list_containers', { name: other })).total).toBe(0);
    const missing = `${P}-never-made`;
    expect(await managed.fails('inspect_container', { container: other })).toBe(await managed.fails('inspect_container', { container: missing }).then((t) => t.replace(missing, other)));
    expect(await managed.fails('start_container', { container: other })).toContain('there is no container');
    expect((await docker('inspect', '-f', '{{.State.Status}}', other))).toBe('created');
    const all = await connect({ ...WRITES, scope: 'all' });
    expect(await all.ok<{ containers: { name: string; owner: string }[] }>('list_containers', { name: other })).toMatchObject({ containers: [{ name: other, owner: 'other' }] });
    expect(await all.ok('start_container', { container: other })).toMatchObject({ state: 'running' });
  });

  it("leaves Berth's own server containers to their supervisor, in either scope", async () => {
    const server = `${P}-srv`;
    await docker('create', '--name', server, '--network', 'none', '--label', 'berth.managed=true', '--label', `berth.instance=${deps.registry.instance}`, '--label', `berth.server=${server}`, base, ...KEEP_RUNNING);
    await docker('start', server);
    for (const scope of ['managed', 'all'] as const) {
      const s = await connect({ ...WRITES, scope });
      expect(await s.ok('list_containers', { name: server })).toMatchObject({ containers: [{ name: server, owner: 'berth-server', server }] });
      expect(await s.fails('stop_container', { container: server })).toBe(
        `container ${server} is Berth's MCP server "${server}", which Berth supervises, so it will not stop it here; use docker_stop_server (or \`berth stop ${server}\`) instead`,
      );
      expect(await s.fails('remove_container', { container: server, force: true })).toContain(`so it will not remove it here; use docker_remove_server (or \`berth rm ${server}\`) instead`);
      expect(await s.fails('pause_container', { container: server })).toContain('so it will not pause it here');
      expect(await s.fails('connect_container_to_network', { container: server, network: 'bridge' })).toContain('so it will not connect it to a network here');
    }
    expect(await docker('inspect', '-f', '{{.State.Status}}', server)).toBe('running');
  });

  it('runs commands and copies files only when enabled by name, and refuses them when not', async () => {
    const name = `${P}-exec`;
    const setup = await connect(WRITES);
    await setup.ok('create_container', { image: base, name, command: KEEP_RUNNING, start: true });
    for (const tool of ['execute_command_in_container', 'copy_files_to_container', 'copy_files_from_container']) {
      expect(await setup.fails(tool, { container: name, command: ['node', '-v'], host_path: '/tmp/x', container_path: '/tmp' })).toBe(`tool "${tool}" reaches inside containers (or, building, the host's files) and is off unless enabled by name; enable ${tool}`);
    }
    const s = await connect({ ...WRITES, enable: ['execute_command_in_container', 'copy_files_to_container', 'copy_files_from_container'] });
    expect(await s.ok('execute_command_in_container', { container: name, command: ['node', '-e', 'console.log(40 + 2); console.error("to stderr"); process.exit(3)'] })).toEqual({
      exitCode: 3,
      stdout: '42\n',
      stderr: 'to stderr\n',
      truncated: false,
      timedOut: false,
    });
    // An argument list: the shell's syntax is only text.
    expect(await s.ok('execute_command_in_container', { container: name, command: ['node', '-e', 'console.log(process.argv[1])', '$(echo hi); rm -rf /'] })).toMatchObject({ exitCode: 0, stdout: '$(echo hi); rm -rf /\n' });
    expect(await s.ok('execute_command_in_container', { container: name, command: ['node', '-e', 'setInterval(() => {}, 1e9)'], timeout_seconds: 1 })).toMatchObject({ timedOut: true, exitCode: null });
    const big = await s.ok<{ stdout: string; truncated: boolean }>('execute_command_in_container', { container: name, command: ['node', '-e', "process.stdout.write('x'.repeat(200000))"] });
    expect(big.truncated).toBe(true);
    expect(big.stdout.length).toBeLessThanOrEqual(32 * 1024);

    const src = await mkdtemp(path.join(home, 'src-'));
    await mkdir(path.join(src, 'docs'));
    await writeFile(path.join(src, 'docs', 'note.txt'), 'carried into the container');
    expect(await s.ok('copy_files_to_container', { container: name, host_path: path.join(src, 'docs'), container_path: '/tmp' })).toMatchObject({ entries: 2 });
    expect(await s.ok('execute_command_in_container', { container: name, command: ['node', '-e', "process.stdout.write(require('fs').readFileSync('/tmp/docs/note.txt', 'utf8'))"] })).toMatchObject({ stdout: 'carried into the container' });
    await s.ok('execute_command_in_container', { container: name, command: ['node', '-e', "require('fs').writeFileSync('/tmp/out.txt', 'made inside'); require('fs').symlinkSync('/etc/passwd', '/tmp/link')"] });
    const dest = path.join(src, 'back');
    expect(await s.ok('copy_files_from_container', { container: name, container_path: '/tmp/out.txt', host_path: dest })).toMatchObject({ entries: 1 });
    expect(await readFile(path.join(dest, 'out.txt'), 'utf8')).toBe('made inside');
    expect(await s.ok('copy_files_from_container', { container: name, container_path: '/tmp/link', host_path: dest })).toMatchObject({ entries: 0, skipped: 1 });
    // Host paths are checked like mounts: credentials, system folders and relative paths are refused before anything moves.
    expect(await s.fails('copy_files_from_container', { container: name, container_path: '/tmp/out.txt', host_path: path.join(os.homedir(), '.ssh') })).toMatch(/^host path ".*\.ssh" is .*credentials; nothing was changed$/);
    expect(await s.fails('copy_files_to_container', { container: name, host_path: '/etc', container_path: '/tmp' })).toBe('host path "/etc" is /etc, and /etc is a host system path; nothing was changed');
    expect(await s.fails('copy_files_to_container', { container: name, host_path: 'relative/x', container_path: '/tmp' })).toContain('is not an absolute path');
    expect(await s.fails('copy_files_to_container', { container: name, host_path: src, container_path: '/tmp/../etc' })).toContain('must not contain ".."');
    expect(await s.fails('copy_files_to_container', { container: name, host_path: src, container_path: '/no/such/folder' })).toBe(`there is no folder /no/such/folder in container ${name}; nothing was copied`);
    await rm(src, { recursive: true, force: true });
    await s.ok('remove_container', { container: name, force: true });
  });

  it('builds, lists, inspects and removes an image, with progress; refuses bad references and images it did not build', async () => {
    const s = await connect({ ...WRITES, enable: ['build_image'] });
    const ctx = await mkdtemp(path.join(home, 'ctx-'));
    await writeFile(path.join(ctx, 'Dockerfile'), `FROM ${base}\nCOPY hello.txt /app/hello.txt\nLABEL purpose=test\n`);
    await writeFile(path.join(ctx, 'hello.txt'), 'hi');
    const tag = `${P}-img:1`;
    const progress: unknown[] = [];
    const built = await s.call('build_image', { path: ctx, tag }, (p) => progress.push(p));
    expect(built.isError, built.content[0]?.text).toBeFalsy();
    expect(progress.length).toBeGreaterThan(0);
    expect((await s.ok<{ images: { tags: string[]; madeByAgent: boolean }[] }>('list_images', { reference: `${P}-img` })).images).toEqual([expect.objectContaining({ tags: [tag], madeByAgent: true })]);
    expect(await s.ok('inspect_image', { image: tag })).toMatchObject({ tags: [tag], labels: { purpose: 'test', 'berth.managed': 'true' }, workingDir: '/app' });
    expect(await s.fails('build_image', { path: path.join(ctx, 'missing'), tag })).toContain('there is no folder at');
    expect(await s.fails('build_image', { path: os.homedir(), tag })).toContain('credentials; nothing was changed');
    expect(await s.fails('inspect_image', { image: 'Not A Reference!' })).toContain('"Not A Reference!" is neither an image reference nor an image id');
    expect(await s.fails('pull_image', { image: 'UPPER/case:1' })).toContain('is not an image reference; write it like node:20');
    expect(await s.fails('remove_image', { image: base })).toBe(`image ${base} was not built with build_image, and in the managed scope only those may be removed; nothing was changed (the "all" scope lifts this)`);
    expect(await docker('images', '-q', base)).not.toBe('');
    expect(await s.ok('remove_image', { image: tag })).toMatchObject({ untagged: [tag] });
    expect((await s.ok<{ total: number }>('list_images', { reference: `${P}-img` })).total).toBe(0);
    await rm(ctx, { recursive: true, force: true });
  });

  it('says in one sentence that a pull or a push cannot reach a registry', async () => {
    const s = await connect(WRITES);
    const pull = await s.fails('pull_image', { image: `registry.invalid/${P}:1` });
    expect(pull).toMatch(new RegExp(`^pulling registry\\.invalid/${P}:1 on host local failed: .*registry\\.invalid.*`));
    expect(await docker('images', '-q', `registry.invalid/${P}:1`)).toBe('');
    const tag = `127.0.0.1:1/${P}-push:1`;
    await docker('tag', base, tag);
    const push = await s.fails('push_image', { image: tag });
    expect(push).toMatch(new RegExp(`^pushing 127\\.0\\.0\\.1:1/${P}-push:1 from host local failed: .*127\\.0\\.0\\.1:1`));
  });

  it('creates, connects, disconnects and removes a network, and will not remove one it did not make', async () => {
    const s = await connect(WRITES);
    const net = `${P}-net`;
    const name = `${P}-netc`;
    const count = async () => (await s.ok<{ networks: { name: string }[] }>('list_networks')).networks.filter((n) => n.name.startsWith(P)).length;
    expect(await count()).toBe(0);
    await s.ok('create_network', { name: net, internal: true });
    expect(await count()).toBe(1);
    expect(await s.fails('create_network', { name: net })).toBe(`a network named ${net} already exists on host local; pick another name`);
    await s.ok('create_container', { image: base, name, command: KEEP_RUNNING, network: 'bridge' });
    await s.ok('connect_container_to_network', { container: name, network: net, aliases: ['svc'] });
    expect((await s.ok<{ networks: { name: string }[] }>('inspect_container', { container: name })).networks.map((n) => n.name).sort()).toEqual(['bridge', net].sort());
    await s.ok('disconnect_container', { container: name, network: net });
    expect((await s.ok<{ networks: { name: string }[] }>('inspect_container', { container: name })).networks.map((n) => n.name)).toEqual(['bridge']);
    expect(await s.fails('remove_network', { network: 'bridge' })).toContain('was not made with create_network');
    await s.ok('remove_network', { network: net });
    expect(await count()).toBe(0);
    expect(await s.fails('remove_network', { network: net })).toBe(`there is no network "${net}" on host local; list_networks shows them`);
  });

  it('creates, inspects and removes a volume; refuses a name with "..", a second create, and volumes it did not make', async () => {
    const s = await connect(WRITES);
    const vol = `${P}-vol`;
    const count = async () => (await s.ok<{ volumes: { name: string }[] }>('list_volumes', { limit: 500 })).volumes.filter((v) => v.name.startsWith(P)).length;
    expect(await count()).toBe(0);
    expect(await s.ok('create_volume', { name: vol, labels: { team: 'a' } })).toMatchObject({ name: vol });
    expect(await count()).toBe(1);
    expect(await s.ok('inspect_volume', { name: vol })).toMatchObject({ name: vol, owner: 'agent', labels: { team: 'a', 'berth.managed': 'true' }, usedBy: [] });
    expect(await s.fails('create_volume', { name: vol })).toBe(`a volume named ${vol} already exists on host local; pick another name`);
    expect(await s.fails('create_volume', { name: `${P}..x` })).toContain('must not contain ".."');
    expect(await s.fails('create_volume', { name: vol, labels: { 'berth.server': 'x' } })).toContain('labels starting with "berth." are Berth\'s own');
    const other = `${P}-vol-other`;
    await docker('volume', 'create', other);
    expect(await s.fails('remove_volume', { name: other })).toContain('was not made with create_volume');
    await s.ok('remove_volume', { name: vol });
    expect(await count()).toBe(1);
    expect(await docker('volume', 'ls', '-q', '--filter', `name=${other}`)).toBe(other);
  });

  it('reports the engine and its disk use', async () => {
    const s = await connect({});
    const info = await s.ok<{ version: string; containers: { total: number } }>('get_docker_info');
    expect(info.version).toBe(await docker('version', '-f', '{{.Server.Version}}'));
    const df = await s.ok<{ images: { count: number; sizeBytes: number } }>('get_system_df');
    expect(df.images.count).toBeGreaterThan(0);
    expect(df.images.sizeBytes).toBeGreaterThan(0);
  });

  it('answers an unknown host and a down host with one sentence', async () => {
    const s = await connect({});
    expect(await s.fails('list_containers', { host: 'nowhere' })).toBe('there is no host named "nowhere"; known hosts: local, downhost');
    expect(await s.fails('list_containers', { host: 'downhost' })).toMatch(/^listing containers failed: .*127\.0\.0\.1/);
  });

  it('asks the human before a destructive call, and does nothing when the answer is no', async () => {
    const name = `${P}-ask`;
    await (await connect(WRITES)).ok('create_container', { image: base, name, command: KEEP_RUNNING });
    const asked: string[] = [];
    let answer: 'accept' | 'decline' = 'decline';
    const s = await connect({ allowWrite: true }, { elicitation: {} });
    s.client.setRequestHandler('elicitation/create', (req) => {
      asked.push(String(req.params.message));
      return Promise.resolve(answer === 'accept' ? { action: 'accept', content: { confirm: true } } : { action: 'decline' });
    });
    expect(await s.fails('remove_container', { container: name })).toContain('the user did not confirm');
    expect(await engineContainers(name)).toEqual([name]);
    answer = 'accept';
    await s.ok('remove_container', { container: name });
    expect(asked).toEqual([`Remove container ${name} on host local?`, `Remove container ${name} on host local?`]);
    expect(await engineContainers(name)).toEqual([]);
  });
});
