import { execFile, spawn } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import { createMessageConnection, SocketMessageReader, SocketMessageWriter } from 'vscode-jsonrpc/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isProcessAlive } from '../../daemon/processAlive.js';
import { Initialize, PROTOCOL_VERSION } from '../../daemon/protocol/methods.js';
import { BERTH, TestHome, waitFor } from '../support.js';

const docker = promisify(execFile);

// One server's life, told in order (add, inspect, restart, kill -9, daemon stop, stop, remove):
// each case is the next chapter of the one before, so this describe runs in file order, not shuffled.
describe('a catalog server through its whole life on the real engine', { shuffle: false }, () => {
  let home: TestHome;
  beforeAll(async () => {
    home = await TestHome.create();
  });
  afterAll(() => home.dispose());

  it('adds and starts from the catalog: one hardened container, healthy, tools listed and callable', async () => {
    const added = await home.json<{ phase: string }>(['add', 'ev', '--catalog', 'everything', '--start']);
    expect(added.phase).toBe('healthy');
    const running = await home.containers(false);
    expect(running.map((c) => c.server)).toEqual(['ev']);

    const tools = await home.json<{ tools: { name: string }[] }>(['tools', 'ev']);
    expect(tools.tools.map((t) => t.name)).toContain('echo');
    expect(await home.ok(['call', 'ev', 'echo', '{"message":"hello berth"}'])).toContain('Echo: hello berth');
    expect(await home.readSpecs()).toMatch(/ev:\s+catalog: everything/);
  });

  it('is hardened by default, as docker inspect reads it back', async () => {
    const [c] = await home.containers(false);
    const { stdout } = await docker('docker', ['inspect', c!.id]);
    const [info] = JSON.parse(stdout) as { Config: { User: string; Labels: Record<string, string> }; HostConfig: Record<string, unknown> }[];
    const hc = info!.HostConfig;
    expect(hc.CapDrop).toEqual(['ALL']);
    expect(hc.SecurityOpt).toEqual(['no-new-privileges:true']);
    expect(hc.ReadonlyRootfs).toBe(true);
    expect(hc.NetworkMode).toBe('none');
    expect(hc.Init).toBe(true);
    expect(hc.Memory).toBe(256 * 1024 * 1024);
    expect(hc.NanoCpus).toBe(1e9);
    expect(hc.PidsLimit).toBe(128);
    expect(Object.keys(hc.Tmpfs as object)).toEqual(['/tmp']);
    expect(info!.Config.User).toBe('10001:10001');
    expect(info!.Config.Labels['berth.managed']).toBe('true');
    expect(info!.Config.Labels['berth.server']).toBe('ev');
    expect(info!.Config.Labels['berth.spec-hash']).toMatch(/^[0-9a-f]{16}$/);
  });

  it('reports CPU and memory from the stats stream, and the daemon pid and version', async () => {
    const s = await waitFor('stats', async () => {
      const st = await home.status();
      return st.servers[0]?.stats ? st : undefined;
    });
    expect(s.daemon.pid).toBeGreaterThan(0);
    expect(s.daemon.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(s.servers[0]!.stats!.memoryBytes).toBeGreaterThan(1024 * 1024);
    expect(s.servers[0]!.containerId).toMatch(/^[0-9a-f]{64}$/);
  });

  it('restarts in place: same single container, healthy again', async () => {
    const before = await home.containers();
    const r = await home.json<{ phase: string }>(['restart', 'ev']);
    expect(r.phase).toBe('healthy');
    const after = await home.containers();
    expect(after).toHaveLength(1);
    expect(after[0]!.id).toBe(before[0]!.id);
  });

  it('survives kill -9 of the daemon: the next daemon re-adopts the same container, no duplicates', async () => {
    const { daemon } = await home.status();
    const [before] = await home.containers(false);
    await home.killDaemon('SIGKILL');
    expect((await home.containers(false)).map((c) => c.id)).toEqual([before!.id]);
    const st = await waitFor('re-adopted healthy', async () => {
      const s = await home.status();
      return s.servers[0]?.phase === 'healthy' ? s : undefined;
    });
    expect(st.daemon.pid).not.toBe(daemon.pid);
    expect(st.servers[0]!.containerId).toBe(before!.id);
    expect(await home.containers()).toHaveLength(1);
    expect(await home.ok(['call', 'ev', 'echo', '{"message":"after adoption"}'])).toContain('after adoption');
  });

  it('berth daemon stop: the daemon exits, the server keeps running, and the next daemon adopts it', async () => {
    const { daemon } = await home.status();
    const [before] = await home.containers(false);
    expect(await home.ok(['daemon', 'stop'])).toBe(`stopped the daemon (pid ${daemon.pid}); servers keep running\n`);
    expect(isProcessAlive(daemon.pid)).toBe(false);
    expect(await home.ok(['daemon', 'stop'])).toBe('no daemon is running\n');
    expect((await home.containers(false)).map((c) => c.id)).toEqual([before!.id]);
    const st = await waitFor('adopted healthy', async () => {
      const s = await home.status();
      return s.servers[0]?.phase === 'healthy' ? s : undefined;
    });
    expect(st.servers[0]!.containerId).toBe(before!.id);
  });

  it('stops gracefully and starts again', async () => {
    expect((await home.json<{ phase: string }>(['stop', 'ev'])).phase).toBe('stopped');
    expect(await home.containers(false)).toHaveLength(0);
    expect((await home.json<{ phase: string }>(['start', 'ev'])).phase).toBe('healthy');
    expect(await home.containers()).toHaveLength(1);
  });

  it('removes the server: container gone, spec entry gone', async () => {
    expect((await home.json<{ removed: string }>(['rm', 'ev'])).removed).toBe('ev');
    expect(await home.containers()).toHaveLength(0);
    expect(await home.readSpecs()).not.toContain('ev:');
    expect((await home.status()).servers).toEqual([]);
  });
});

describe('state inside a container survives a daemon restart', () => {
  let home: TestHome;
  beforeAll(async () => {
    home = await TestHome.create();
  });
  afterAll(() => home.dispose());

  it('keeps the memory server knowledge graph across kill -9 of the daemon', async () => {
    await home.ok(['add', 'mem', '--catalog', 'memory', '--start']);
    const entity = { entities: [{ name: 'berth', entityType: 'project', observations: ['runs MCP servers in containers'] }] };
    await home.ok(['call', 'mem', 'create_entities', JSON.stringify(entity)]);
    await home.killDaemon('SIGKILL');
    const graph = await waitFor('graph after adoption', async () => {
      const r = await home.berth(['call', 'mem', 'read_graph', '{}']);
      return r.code === 0 ? r.stdout : undefined;
    });
    expect(graph).toContain('runs MCP servers in containers');
    expect(await home.containers()).toHaveLength(1);
  });
});

describe('a daemon that is still starting', () => {
  let home: TestHome;
  beforeAll(async () => {
    home = await TestHome.create();
  });
  afterAll(() => home.dispose());

  it('answers a client that connects the moment its socket listens', async () => {
    const daemon = spawn(process.execPath, [BERTH, 'daemon'], { env: home.env, stdio: 'ignore' });
    try {
      // As soon as a connect succeeds, the way a CLI racing the daemon's start finds it.
      const deadline = Date.now() + 60_000;
      let socket: net.Socket | undefined;
      while (!socket && Date.now() < deadline) {
        socket = await new Promise<net.Socket | undefined>((resolve) => {
          const s = net.connect(home.paths.socket);
          s.once('connect', () => resolve(s));
          s.once('error', () => setImmediate(() => resolve(undefined)));
        });
      }
      if (!socket) throw new Error(`the daemon never listened on ${home.paths.socket}`);
      const connection = createMessageConnection(new SocketMessageReader(socket), new SocketMessageWriter(socket));
      connection.listen();
      const answer = await waitFor(
        'an answer to initialize',
        () => connection.sendRequest(Initialize.method, { initializationOptions: { protocolVersion: PROTOCOL_VERSION, client: { name: 'early', version: '1' } } }),
        60_000,
      );
      expect(answer).toMatchObject({ daemon: { pid: daemon.pid } });
      connection.dispose();
    } finally {
      daemon.kill('SIGKILL');
    }
  });
});
