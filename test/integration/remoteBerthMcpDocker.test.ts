import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berthBackend } from '../../daemon/berthMcp/backend.js';
import { BERTH_TOOLS } from '../../daemon/berthMcp/tools.js';
import { DockerRuntime } from '../../daemon/hosts/dockerRuntime.js';
import { Hosts } from '../../daemon/hosts/hosts.js';
import { AuditLog } from '../../daemon/logs/audit.js';
import { LogStore } from '../../daemon/logs/store.js';
import { createProxyServer } from '../../daemon/mcp/proxyServer.js';
import { RoundTrips } from '../../daemon/mcp/roundTrips.js';
import { BerthMcpSettings } from '../../daemon/protocol/berthMcp.js';
import { berthPaths } from '../../daemon/protocol/paths.js';
import { Registry } from '../../daemon/servers/registry.js';
import { RemoteHost, remoteDocker } from '../remoteSupport.js';
import { FIXTURE_IMAGE, waitFor } from '../support.js';

const P = `bmcpr-${randomBytes(3).toString('hex')}`;
type Result = { content: { text: string }[]; structuredContent?: Record<string, unknown>; isError?: boolean };

describe("Berth's MCP tools on an SSH host", () => {
  const saved = { HOME: process.env.HOME, SSH_AUTH_SOCK: process.env.SSH_AUTH_SOCK };
  let remote: RemoteHost;
  let home: string;
  let hosts: Hosts;
  let client: Client;

  const call = async (name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: { host: 'box', ...args } }, { timeout: 120_000 })) as Result;
  const ok = async <T = Record<string, unknown>,>(name: string, args: Record<string, unknown> = {}) => {
    const r = await call(name, args);
    if (r.isError) throw new Error(`${name} failed: ${r.content[0]?.text}`);
    return r.structuredContent as T;
  };
  const onRemote = async () => (await remoteDocker(['ps', '-a', '--filter', `name=^${P}`, '--format', '{{.Names}}'])).split('\n').filter(Boolean);

  beforeAll(async () => {
    remote = await RemoteHost.start();
    // The client side of SSH (keys, known_hosts) lives in this HOME.
    process.env.HOME = remote.home;
    process.env.SSH_AUTH_SOCK = '';
    home = await mkdtemp(path.join(os.tmpdir(), 'berth-mcp-remote-'));
    const paths = berthPaths({ BERTH_HOME: home });
    const configDir = path.dirname(paths.userSpecFile);
    await mkdir(configDir, { recursive: true });
    const rt = new DockerRuntime();
    hosts = new Hosts({ configDir, stateDir: paths.stateDir, local: rt, localAddress: 'unix:///var/run/docker.sock' });
    await hosts.open();
    const added = await hosts.add('box', remote.url(), { acceptHostKey: await remote.fingerprint('a') });
    expect(added.report.ok).toBe(true);
    const logs = new LogStore(paths.logsDir);
    const audit = new AuditLog(paths.stateDir);
    const registry = new Registry({ rt, hosts, logs, audit, instance: paths.instance, userSpecFile: paths.userSpecFile, stateDir: paths.stateDir, onChange: () => undefined });
    const settings = BerthMcpSettings.parse({ allowWrite: true, confirmDestructive: false, enable: ['execute_command_in_container'] });
    const backend = berthBackend({ registry, hosts, logs, audit }, BERTH_TOOLS, () => settings, { allowWrite: '', enable: () => '', noConfirm: '' });
    const [serverSide, clientSide] = InMemoryTransport.createLinkedPair();
    await createProxyServer(backend, { era: 'legacy', trips: new RoundTrips() }).connect(serverSide);
    client = new Client({ name: 'berth-mcp-remote-test', version: '1' });
    await client.connect(clientSide);
  });

  afterAll(async () => {
    await client.close().catch(() => undefined);
    hosts.close();
    const left = await onRemote().catch(() => []);
    if (left.length) await remoteDocker(['rm', '-f', ...left]).catch(() => undefined);
    await remoteDocker(['volume', 'rm', `${P}-vol`]).catch(() => undefined);
    await remote.stop();
    await rm(home, { recursive: true, force: true });
    process.env.HOME = saved.HOME;
    process.env.SSH_AUTH_SOCK = saved.SSH_AUTH_SOCK;
  });

  it("drives the SSH host's own engine: a container and a volume round trip, exec, logs and engine facts", async () => {
    const name = `${P}-c`;
    // The fixture image's entrypoint is node.
    await ok('create_container', { image: FIXTURE_IMAGE, name, command: ['-e', "console.log('hello over ssh'); setInterval(() => {}, 1e9)"], start: true });
    expect(await onRemote()).toEqual([name]);
    expect((await ok<{ containers: { name: string }[] }>('list_containers', { name: P })).containers.map((c) => c.name)).toEqual([name]);
    const local = (await client.callTool({ name: 'list_containers', arguments: { name: P } })) as Result;
    expect(local.structuredContent).toMatchObject({ total: 0 });
    await expect.poll(async () => (await ok<{ lines: string[] }>('monitor_container_logs', { container: name })).lines.join('\n'), { timeout: 30_000 }).toContain('hello over ssh');
    expect(await ok('execute_command_in_container', { container: name, command: ['node', '-e', 'console.log(6 * 7)'] })).toMatchObject({ exitCode: 0, stdout: '42\n' });
    const info = await ok<{ rootDir: string }>('get_docker_info');
    expect(info.rootDir).toBe((await remoteDocker(['info', '-f', '{{.DockerRootDir}}'])).trim());
    await ok('create_volume', { name: `${P}-vol` });
    expect((await remoteDocker(['volume', 'ls', '-q', '--filter', `name=${P}-vol`])).trim()).toBe(`${P}-vol`);
    await ok('remove_volume', { name: `${P}-vol` });
    await ok('remove_container', { container: name, force: true });
    expect(await onRemote()).toEqual([]);
  });

  it('manages an MCP server on the SSH host: created from a catalog entry, healthy, its logs read, stopped and removed', async () => {
    const server = `${P}m`;
    const ofServer = async () => (await remoteDocker(['ps', '-a', '--filter', `label=berth.server=${server}`, '--format', '{{.Names}}'])).split('\n').filter(Boolean);
    const created = await ok<{ name: string; host: string }>('docker_create_server', { server_type: 'memory', server_name: server });
    expect(created).toMatchObject({ name: server, host: 'box' });
    expect(await ofServer()).toHaveLength(1);
    const health = await waitFor(`${server} healthy on box`, async () => {
      const r = await ok<{ healthy: boolean }>('docker_get_server_health', { server_name: server });
      return r.healthy && r;
    });
    expect(health.healthy).toBe(true);
    const logs = await waitFor(`${server}'s logs`, async () => {
      const r = await ok<{ lines: unknown[] }>('docker_get_logs', { server_name: server, grep: 'running on stdio' });
      return r.lines.length > 0 && r;
    });
    expect(logs.lines.length).toBeGreaterThan(0);
    await ok('docker_stop_server', { server_name: server });
    expect(await remoteDocker(['ps', '--filter', `label=berth.server=${server}`, '--format', '{{.Names}}'])).toBe('');
    await ok('docker_remove_server', { server_name: server });
    expect(await ofServer()).toEqual([]);
  });

  it('answers a call to the host once it is down with one sentence naming it', async () => {
    await remote.killSshd();
    try {
      const r = await call('list_containers', {});
      expect(r.isError).toBe(true);
      expect(r.content[0]?.text.split('\n')).toHaveLength(1);
      expect(r.content[0]?.text).toMatch(/^listing containers failed: .*box/);
    } finally {
      // The host comes back for the tests that run after this one.
      await remote.startSshd('a');
      await waitFor('box to answer again', async () => !(await call('list_containers', {})).isError);
    }
  });
});
