import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostInfo, HostReport } from '../../daemon/protocol/hosts.js';
import { connectDaemon } from '../../daemon/client/client.js';
import { HostsAcceptKey, HostsAdd } from '../../daemon/protocol/hosts.js';
import { RemoteHost, remoteContainers, remoteDocker, USERS } from '../remoteSupport.js';
import { BERTH, TestHome, waitFor } from '../support.js';

/** execFile with stdin: `script` gives the CLI a terminal and passes our input through it. */
function run(cmd: string, args: string[], o: { env: NodeJS.ProcessEnv; input: string }): Promise<{ stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { env: o.env, timeout: 60_000 }, (err, stdout) => (err ? reject(new Error(`${err.message}\n${stdout}`)) : resolve({ stdout })));
    child.stdin?.end(o.input);
  });
}

/**
 * Servers on an SSH host, through the real daemon and CLI: a real sshd on loopback in front of a
 * second Docker engine. The daemon reads ~/.ssh from the HOME this file points at.
 */
// One host's life, told in order (added with its key, servers run, sshd and the engine killed,
// adopted, removed): each case is the next chapter of the one before, so it runs in file order.
describe('servers on a remote Docker host over SSH', { shuffle: false }, () => {
  let remote: RemoteHost;
  let home: TestHome;
  const saved = { HOME: process.env.HOME, SSH_AUTH_SOCK: process.env.SSH_AUTH_SOCK };

  const onRemote = async () => remoteContainers(home.paths.instance);
  const healthy = (name: string) => waitFor(`${name} healthy`, async () => ((await home.server(name)).phase === 'healthy' ? home.server(name) : undefined), 90_000);

  beforeAll(async () => {
    remote = await RemoteHost.start();
    // Every CLI run and the daemon it starts inherit these: the client side of SSH lives here.
    process.env.HOME = remote.home;
    process.env.SSH_AUTH_SOCK = '';
    home = await TestHome.create();
  });
  afterAll(async () => {
    await home.berth(['rm', 'ev']);
    const left = (await onRemote().catch(() => [])).map((c) => c.id);
    if (left.length) await remoteDocker(['rm', '-f', ...left]);
    await home.dispose();
    await remote.stop();
    process.env.HOME = saved.HOME;
    process.env.SSH_AUTH_SOCK = saved.SSH_AUTH_SOCK;
  });

  it('refuses an unknown host key without a terminal, naming its fingerprint; --accept-host-key adds it', async () => {
    const fp = await remote.fingerprint('a');
    const refused = await home.berth(['host', 'add', 'build', remote.url()]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(fp);
    expect(refused.stderr).toContain('--accept-host-key');
    expect((await home.json<HostInfo[]>(['host', 'ls'])).map((h) => h.name)).toEqual(['local']);

    const added = await home.json<{ host: HostInfo; report: HostReport }>(['host', 'add', 'build', remote.url(), '--accept-host-key', fp]);
    expect(added.report.ok).toBe(true);
    expect(added.host).toMatchObject({ name: 'build', state: 'up', engineVersion: expect.stringMatching(/^\d+\./) });
    const hosts = await home.json<HostInfo[]>(['host', 'ls']);
    expect(hosts.map((h) => [h.name, h.state])).toEqual([['local', 'up'], ['build', 'up']]);
  });

  it('accepts a key through the API (what the extension does), and on a terminal by asking', async () => {
    const other = await TestHome.create();
    try {
      const fp = await remote.fingerprint('a');
      // Started by the CLI, so connecting from here finds it up.
      await other.ok(['status']);
      const client = await connectDaemon(other.paths, 'remote-test');
      try {
        const report = await client.request(HostsAcceptKey, { target: remote.url(), fingerprint: fp });
        expect(report.ok).toBe(true);
        const added = await client.request(HostsAdd, { name: 'viaapi', url: remote.url() });
        expect(added.host?.state).toBe('up');
      } finally {
        client.close();
      }
      // A terminal: the CLI shows the fingerprint, asks, and records the key on "y".
      const third = await TestHome.create();
      try {
        const tty = await run('script', ['-qec', `${process.execPath} ${BERTH} host add tty ${remote.url()}`, '/dev/null'], { env: third.env, input: 'y\n' });
        expect(tty.stdout).toContain(`ssh-ed25519 key fingerprint is ${fp}`);
        expect(tty.stdout).toMatch(/added tty/);
      } finally {
        await third.dispose();
      }
    } finally {
      await other.dispose();
    }
  });

  it('tests a host step by step', async () => {
    const report = await home.json<HostReport>(['host', 'test', 'build']);
    expect(report.ok).toBe(true);
    expect(report.checks.every((c) => c.ok)).toBe(true);
    expect(report.checks.map((c) => c.check)).toEqual(['config', 'connect', 'host-key', 'auth', 'docker-cli', 'permission', 'engine', 'api']);
  });

  it('names the problem when a host cannot be used, and saves nothing', async () => {
    const fp = await remote.fingerprint('a');
    const cases: [string, RegExp][] = [
      ['ssh://nobody@127.0.0.1:1', /cannot reach 127\.0\.0\.1:1/],
      [`ssh://root@127.0.0.1:${remote.port}`, /refused every key/],
      [remote.url(USERS.noCli), /no docker CLI for berthnocli/],
      [remote.url(USERS.noPermission), /berthnoperm .* is not allowed to use the Docker engine/],
      [remote.url(USERS.noEngine), /the Docker engine on .* is not running/],
    ];
    for (const [url, reason] of cases) {
      const r = await home.berth(['host', 'add', 'bad', url, '--accept-host-key', fp]);
      expect(r.code, url).toBe(1);
      expect(r.stderr, url).toMatch(reason);
    }
    expect((await home.json<HostInfo[]>(['host', 'ls'])).map((h) => h.name)).toEqual(['local', 'build']);
  });

  it('takes the passphrase of an encrypted key on stdin, keeps it in memory only, and the host stays up', async () => {
    await remote.writeSshConfig(`Host locked\n  HostName 127.0.0.1\n  Port ${remote.port}\n  User ${USERS.ok}\n  IdentityFile ${remote.lockedKey()}\n  IdentitiesOnly yes\n`);
    try {
      const without = await home.berth(['host', 'add', 'lk', 'ssh://locked']);
      expect(without.code).toBe(1);
      expect(without.stderr).toMatch(/is encrypted and no SSH agent holds the key/);
      const added = await run(process.execPath, [BERTH, 'host', 'add', 'lk', 'ssh://locked', '--passphrase-stdin'], { env: home.env, input: 'correct horse\n' });
      expect(added.stdout).toMatch(/added lk/);
      expect((await home.json<HostInfo[]>(['host', 'ls'])).find((h) => h.name === 'lk')?.state).toBe('up');
      const { stdout } = await promisify(execFile)('grep', ['-rl', 'correct horse', home.dir]).catch(() => ({ stdout: '' }));
      expect(stdout).toBe('');
      await home.ok(['host', 'rm', 'lk']);
    } finally {
      await remote.writeSshConfig('');
    }
  });

  it('runs a server added with --host on the remote engine and not on the local one; tools listed and called', async () => {
    const added = await home.json<{ phase: string; host: string }>(['add', 'ev', '--catalog', 'everything', '--host', 'build', '--start']);
    expect(added).toMatchObject({ phase: 'healthy', host: 'build' });
    expect((await onRemote()).map((c) => [c.server, c.state])).toEqual([['ev', 'running']]);
    expect(await home.containers()).toEqual([]);
    expect((await home.json<{ tools: { name: string }[] }>(['tools', 'ev'])).tools.map((t) => t.name)).toContain('echo');
    expect(await home.ok(['call', 'ev', 'echo', '{"message":"over ssh"}'])).toContain('Echo: over ssh');
    expect(await home.readSpecs()).toMatch(/host: build/);
    expect((await home.berth(['stop', 'ev', '--host', 'local'])).stderr).toMatch(/on host build, not local/);
  });

  it('has logs and live stats for a remote server, as for a local one', async () => {
    const st = await waitFor('remote stats', async () => {
      const s = await home.server('ev');
      return s.stats ? s : undefined;
    });
    expect(st.stats!.memoryBytes).toBeGreaterThan(1024 * 1024);
    const logs = await home.json<{ text: string }[]>(['logs', 'ev']);
    expect(logs.map((l) => l.text).join('')).toMatch(/created container [0-9a-f]{12}/);
  });

  it("runs more servers on one host than sshd's MaxSessions lets one connection carry", async () => {
    // Each running server holds three channels for its life (attach, wait, stats); sshd allows ten per connection.
    const names = ['m1', 'm2', 'm3', 'm4'];
    for (const n of names) await home.ok(['add', n, '--catalog', 'everything', '--host', 'build', '--start']);
    for (const n of ['ev', ...names]) expect(await home.ok(['call', n, 'echo', `{"message":"${n}"}`])).toContain(`Echo: ${n}`);
    expect((await home.json<HostInfo[]>(['host', 'ls'])).find((h) => h.name === 'build')).toMatchObject({ state: 'up', servers: 5 });
    for (const n of names) await home.ok(['rm', n]);
    expect((await onRemote()).map((c) => c.server)).toEqual(['ev']);
  });

  it('reaches an HTTP-transport server on the remote host through the SSH connection, with no port published', async () => {
    await home.writeSpecs(`${await home.readSpecs()}  web:
    catalog: everything
    host: build
    transport: http
    args: [streamableHttp]
    http: { port: 3001, path: /mcp }
`);
    await waitFor('web in the spec', async () => (await home.status()).servers.some((s) => s.name === 'web'));
    expect((await home.json<{ phase: string }>(['start', 'web'])).phase).toBe('healthy');
    expect(await home.ok(['call', 'web', 'echo', '{"message":"http over ssh"}'])).toContain('Echo: http over ssh');
    const [web] = (await onRemote()).filter((c) => c.server === 'web');
    const [info] = JSON.parse(await remoteDocker(['inspect', web!.id])) as { HostConfig: { PortBindings: Record<string, unknown> | null } }[];
    expect(Object.keys(info!.HostConfig.PortBindings ?? {})).toEqual([]);
    expect(await home.containers()).toEqual([]);
    await home.ok(['rm', 'web']);
  });

  it('gives an allowlisted server its isolated network and egress proxy on the remote engine, and removes both with it', async () => {
    const added = await home.json<{ phase: string }>(['add', 'out', '--catalog', 'everything', '--host', 'build', '--allow', 'api.example.com', '--start']);
    expect(added.phase).toBe('healthy');
    const mine = (await onRemote()).filter((c) => c.server !== 'ev');
    // The server and its proxy, which carries berth.egress-for rather than berth.server.
    expect(mine.map((c) => [c.server, c.state]).sort()).toEqual([['', 'running'], ['out', 'running']]);
    const [info] = JSON.parse(await remoteDocker(['inspect', (await home.server('out')).containerId!])) as { HostConfig: { NetworkMode: string } }[];
    const [net] = JSON.parse(await remoteDocker(['network', 'inspect', info!.HostConfig.NetworkMode])) as { Internal: boolean; Options: Record<string, string> }[];
    expect(net).toMatchObject({ Internal: true, Options: { 'com.docker.network.bridge.inhibit_ipv4': 'true' } });
    expect(await home.containers()).toEqual([]);
    await waitFor('the proxy in the log', async () => /egress proxy listening; allowlist: api\.example\.com/.test(await home.ok(['logs', 'out'])));
    await home.ok(['rm', 'out']);
    expect((await onRemote()).map((c) => c.server)).toEqual(['ev']);
    expect(await remoteDocker(['network', 'ls', '-q', '--filter', `label=berth.instance=${home.paths.instance}`])).toBe('');
  });

  it("serves the remote server through the daemon's HTTP gateway", async () => {
    const ev = await home.json<{ url: string; headers: Record<string, string> }>(['endpoint', 'ev']);
    const client = new Client({ name: 'remote-test', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(ev.url), { requestInit: { headers: ev.headers } }));
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toContain('echo');
      expect(await client.callTool({ name: 'echo', arguments: { message: 'via gateway' } })).toEqual({ content: [{ type: 'text', text: 'Echo: via gateway' }] });
    } finally {
      await client.close();
    }
  });

  it('serves the remote server to a stdio client through berth connect', async () => {
    const client = new Client({ name: 'remote-test', version: '1' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [BERTH, 'connect', 'ev'], env: home.env as Record<string, string>, stderr: 'ignore' }));
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toContain('echo');
      const r = (await client.callTool({ name: 'echo', arguments: { message: 'bridged' } })) as { content: { text: string }[] };
      expect(r.content[0]?.text).toContain('bridged');
    } finally {
      await client.close();
    }
  });

  it('will not remove a host that still has servers', async () => {
    const r = await home.berth(['host', 'rm', 'build']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/still has servers \(ev\)/);
  });

  it('survives sshd being killed and restarted: an error meanwhile, then healthy on the same container', async () => {
    const [before] = await onRemote();
    await home.ok(['add', 'loc', '--catalog', 'everything', '--start']);
    await remote.killSshd();
    const down = await waitFor('ev to report the lost host', async () => {
      const s = await home.server('ev');
      return s.phase === 'error' ? s : undefined;
    });
    expect(down.message).toMatch(/build|SSH|reach/);
    // A local server and the daemon's answers are not slowed by the dead host.
    const t0 = Date.now();
    expect((await home.status()).servers.find((s) => s.name === 'loc')?.phase).toBe('healthy');
    expect(await home.ok(['call', 'loc', 'echo', '{"message":"local still fine"}'])).toContain('local still fine');
    expect(Date.now() - t0).toBeLessThan(5_000);
    await home.ok(['rm', 'loc']);
    await remote.startSshd('a');
    await healthy('ev');
    expect(await onRemote()).toEqual([before]);
    expect(await home.ok(['call', 'ev', 'echo', '{"message":"after reconnect"}'])).toContain('after reconnect');
  });

  it('re-adopts after the remote engine restarts: one container, healthy again', async () => {
    const [before] = await onRemote();
    await remote.restartEngine();
    await waitFor('ev healthy after the engine restart', async () => {
      const s = await home.server('ev');
      return s.phase === 'healthy' && s.restartCount > 0 ? s : undefined;
    }, 120_000);
    const after = await onRemote();
    expect(after.map((c) => [c.id, c.state])).toEqual([[before!.id, 'running']]);
  });

  it('re-adopts the remote container after kill -9 of the daemon', async () => {
    const [before] = await onRemote();
    await home.killDaemon('SIGKILL');
    const s = await healthy('ev');
    expect(s.containerId).toBe(before!.id);
    expect(await onRemote()).toHaveLength(1);
  });

  it('starts a daemon while the host is down without waiting for it, and adopts there once it is back', async () => {
    const [before] = await onRemote();
    await home.killDaemon('SIGKILL');
    await remote.killSshd();
    const t0 = Date.now();
    await home.status();
    expect(Date.now() - t0).toBeLessThan(5_000);
    const down = await waitFor('ev to say its host is down', async () => {
      const s = await home.server('ev');
      return s.phase === 'error' ? s : undefined;
    });
    expect(down.message).toMatch(/host build is down|cannot reach/);
    await remote.startSshd('a');
    const s = await healthy('ev');
    expect(s.containerId).toBe(before!.id);
    expect(await onRemote()).toHaveLength(1);
  });

  it('removes the server from the remote engine, then the host', async () => {
    await home.ok(['rm', 'ev']);
    expect(await onRemote()).toEqual([]);
    await home.ok(['host', 'rm', 'build']);
    expect((await home.json<HostInfo[]>(['host', 'ls'])).map((h) => h.name)).toEqual(['local']);
  });
});
