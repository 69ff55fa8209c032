import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import { promisify } from 'node:util';
import { createMessageConnection, SocketMessageReader, SocketMessageWriter } from 'vscode-jsonrpc/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_IMAGE, TestHome, waitFor } from '../support.js';

const docker = promisify(execFile);

/** Every case: exit code, one readable line on stderr, and nothing changed. */
function expectOneLine(stderr: string, ...parts: (string | RegExp)[]): void {
  const lines = stderr.split('\n').filter((l) => l && !/npm warn/i.test(l));
  expect(lines).toHaveLength(1);
  for (const p of parts) expect(lines[0]).toMatch(p);
}

describe('bad input gets one clear sentence and changes nothing', () => {
  let home: TestHome;
  beforeAll(async () => {
    home = await TestHome.create();
    await home.ok(['add', 'ev', '--catalog', 'everything', '--start']);
  });
  afterAll(() => home.dispose());

  /** What must be unchanged after every refused request. */
  async function unchanged(): Promise<void> {
    expect((await home.containers()).map((c) => c.server)).toEqual(['ev']);
    expect((await home.server('ev')).phase).toBe('healthy');
  }

  it('an unknown server', async () => {
    const r = await home.berth(['start', 'nope']);
    expect(r.code).toBe(1);
    expectOneLine(r.stderr, /no server named "nope"/, /berth status/);
    await unchanged();
  });

  it('an unknown catalog entry', async () => {
    const specs = await home.readSpecs();
    const r = await home.berth(['add', 'x', '--catalog', 'nope']);
    expect(r.code).toBe(1);
    expectOneLine(r.stderr, /no catalog entry "nope"/, /berth catalog/);
    expect(await home.readSpecs()).toBe(specs);
    await unchanged();
  });

  for (const name of ['Bad Name', '../etc', '-rm', 'x'.repeat(70)]) {
    it(`a name that is not a valid container name: ${JSON.stringify(name.slice(0, 12))}`, async () => {
      const specs = await home.readSpecs();
      const r = await home.berth(['add', name, '--catalog', 'everything']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/name|option/);
      expect(await home.readSpecs()).toBe(specs);
      await unchanged();
    });
  }

  for (const image of ['foo;rm -rf /', 'foo$(id)', 'foo`id`', 'UPPER/case', 'a b', '--privileged']) {
    it(`an image reference that does not parse: ${JSON.stringify(image)}`, async () => {
      const specs = await home.readSpecs();
      const r = await home.berth(['add', 'x', `--image=${image}`]);
      expect(r.code).toBe(1);
      expectOneLine(r.stderr, /is not a valid image reference/);
      expect(await home.readSpecs()).toBe(specs);
      await unchanged();
    });
  }

  it('a volume with ..', async () => {
    const r = await home.berth(['add', 'x', '--catalog', 'everything', '--volume', '/srv/../etc:/data']);
    expect(r.code).toBe(2);
    expectOneLine(r.stderr, /"\.\."/);
    await unchanged();
  });

  it('a memory limit like "lots"', async () => {
    const r = await home.berth(['add', 'x', '--catalog', 'everything', '--memory', 'lots']);
    expect(r.code).toBe(2);
    expectOneLine(r.stderr, /"lots"/, /512m/);
    await unchanged();
  });

  it('bad usage exits 2', async () => {
    expect((await home.berth(['frobnicate'])).code).toBe(2);
    expect((await home.berth(['start'])).code).toBe(2);
    expect((await home.berth(['logs', 'ev', '--lines', 'many'])).code).toBe(2);
    expect((await home.berth(['logs', 'ev', '--since', 'yesterday'])).code).toBe(2);
    const r = await home.berth(['call', 'ev', 'echo', '{not json']);
    expect(r.code).toBe(2);
    expectOneLine(r.stderr, /JSON object/);
    expect((await home.berth(['add', 'x'])).code).toBe(2);
    await unchanged();
  });

  it('a spec file that is not valid YAML: reported with file and line, running servers untouched', async () => {
    const good = await home.readSpecs();
    await home.writeSpecs(`${good}  broken: [unclosed\n`);
    const st = await waitFor('spec error', async () => {
      const s = await home.status();
      return s.specErrors.length ? s : undefined;
    });
    expect(st.specErrors[0]).toMatch(new RegExp(`${home.paths.userSpecFile}:\\d+: not valid YAML`));
    await unchanged();
    await home.writeSpecs(good);
    await waitFor('spec error cleared', async () => (await home.status()).specErrors.length === 0);
  });

  it('a second daemon for the same socket refuses to start', async () => {
    const r = await home.berth(['daemon']);
    expect(r.code).toBe(1);
    expectOneLine(r.stderr, /already running on .*daemon\.sock/);
    await unchanged();
  });

  it('a client speaking another protocol version, a request before initialize, and hostile params', async () => {
    const socket = net.connect(home.paths.socket);
    await new Promise((r) => socket.once('connect', r));
    const conn = createMessageConnection(new SocketMessageReader(socket), new SocketMessageWriter(socket));
    conn.listen();
    await expect(conn.sendRequest('servers/list', {})).rejects.toThrow(/send initialize first/);
    await expect(conn.sendRequest('initialize', { initializationOptions: { protocolVersion: 99, client: { name: 'old', version: '0' } } })).rejects.toThrow(
      /protocol mismatch: old 0 speaks Berth protocol 99, this daemon .* speaks 1/,
    );
    await conn.sendRequest('initialize', { initializationOptions: { protocolVersion: 1, client: { name: 'test', version: '1' } } });
    await expect(conn.sendRequest('servers/start', { name: '../../etc/passwd' })).rejects.toThrow(/invalid servers\/start request: name: must be/);
    await expect(conn.sendRequest('servers/start', { name: 'ev', extra: '--privileged' })).rejects.toThrow(/invalid servers\/start request/);
    await expect(conn.sendRequest('logs/query', { name: 'ev', grep: '(' })).rejects.toThrow(/not a valid RE2 regular expression/);
    conn.dispose();
    socket.destroy();
    await unchanged();
  });
});

describe('failures of the environment and of servers', () => {
  let home: TestHome;
  beforeAll(async () => {
    home = await TestHome.create();
  });
  afterAll(() => home.dispose());

  it('a server that never answers initialize: timeout, error phase, container stopped', async () => {
    // restart: never, so what is checked is the failure itself; the faults suite checks that on-failure brings a server back.
    await home.writeSpecs(`servers:\n  mute:\n    image: ${FIXTURE_IMAGE}\n    args: [/app/silent.js]\n    restart: never\n    health: { initializeTimeoutSeconds: 2 }\n`);
    const r = await home.berth(['start', 'mute']);
    expect(r.code).toBe(1);
    expectOneLine(r.stderr, /mute failed to start: it did not answer MCP initialize within 2 s/);
    const s = await home.server('mute');
    expect(s.phase).toBe('error');
    await waitFor('container stopped', async () => !(await home.containers(false)).some((x) => x.server === 'mute'));
    expect(await home.ok(['logs', 'mute'])).toContain('silent fixture up');
  });

  it('a server whose container is removed while it initializes', async () => {
    // A name of its own: its appearance in the status proves the daemon has read this spec, whatever ran before.
    await home.writeSpecs(`servers:\n  gone:\n    image: ${FIXTURE_IMAGE}\n    args: [/app/silent.js]\n    restart: never\n    health: { initializeTimeoutSeconds: 60 }\n`);
    await waitFor('spec reloaded', async () => (await home.status()).servers.some((s) => s.name === 'gone'));
    const start = home.berth(['start', 'gone']);
    const [c] = await waitFor('container running', async () => {
      const cs = (await home.containers(false)).filter((x) => x.server === 'gone');
      return cs.length ? cs : undefined;
    });
    await docker('docker', ['rm', '-f', c!.id]);
    const r = await start;
    expect(r.code).toBe(1);
    // Which the daemon sees first depends on when the removal lands: the closed stdio, the kill's exit code, or the removal.
    expectOneLine(r.stderr, /gone failed to start: (the container closed its stdio before answering MCP initialize|it exited with code 137 before answering MCP initialize|its container was removed while it started)/);
    expect((await home.containers()).filter((x) => x.server === 'gone')).toHaveLength(0);
  });

  it('the daemon dying mid-request: the CLI says so at once instead of hanging', async () => {
    // A name of its own: no container of another case can be taken for the one this start makes.
    await home.writeSpecs(`servers:\n  dying:\n    image: ${FIXTURE_IMAGE}\n    args: [/app/silent.js]\n    health: { initializeTimeoutSeconds: 60 }\n`);
    await waitFor('spec reloaded', async () => (await home.status()).servers.some((s) => s.name === 'dying'));
    const start = home.berth(['start', 'dying']);
    await waitFor('container running', async () => (await home.containers(false)).some((x) => x.server === 'dying'));
    const t0 = Date.now();
    await home.killDaemon();
    const r = await start;
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(r.code).toBe(1);
    expectOneLine(r.stderr, /the Berth daemon closed the connection \(did it stop or crash\? see .*daemon\.log\)/);
  });

  it('a server that writes garbage to stdout', async () => {
    await home.writeSpecs(`servers:\n  noisy:\n    image: ${FIXTURE_IMAGE}\n    args: [/app/garbage.js]\n    health: { initializeTimeoutSeconds: 3 }\n`);
    await waitFor('spec reloaded', async () => (await home.status()).servers.some((s) => s.name === 'noisy'));
    const r = await home.berth(['start', 'noisy']);
    expect(r.code).toBe(1);
    expectOneLine(r.stderr, /noisy failed to start: it wrote non-MCP output to stdout \("Server listening\.\.\. \(this is not JSON-RPC\)"\)/);
    expect(await home.ok(['logs', 'noisy', '--grep', 'Server listening'])).toContain('stdout');
  });

  it('Docker not running: status says so, start fails with what to do, nothing is written', async () => {
    const dead = await TestHome.create();
    try {
      const env = { DOCKER_HOST: 'unix:///tmp/berth-no-docker.sock' };
      await dead.writeSpecs(`servers:\n  ev:\n    catalog: everything\n`);
      const st = await dead.berth(['status', '--json'], env);
      expect(st.code).toBe(0);
      const parsed = JSON.parse(st.stdout) as { engine: { ok: boolean; error: string } };
      expect(parsed.engine.ok).toBe(false);
      expect(parsed.engine.error).toBe(
        'the Docker engine at unix:///tmp/berth-no-docker.sock is not reachable (nothing is listening there); start Docker or set DOCKER_HOST, then try again',
      );
      const r = await dead.berth(['start', 'ev'], env);
      expect(r.code).toBe(1);
      expectOneLine(r.stderr, /ev failed to start: the Docker engine at unix:\/\/\/tmp\/berth-no-docker\.sock is not reachable/);
    } finally {
      await dead.dispose();
    }
  });

  it("the daemon socket owned by someone else", async () => {
    const other = await TestHome.create();
    try {
      const sock = other.paths.socket;
      mkdirSync(sock.slice(0, sock.lastIndexOf('/')), { recursive: true });
      // A socket file left by another user: bind it from a child process that exits without unlinking.
      await promisify(execFile)('python3', ['-c', `import socket; s=socket.socket(socket.AF_UNIX); s.bind(${JSON.stringify(sock)})`]);
      chownSync(sock, 65534, 65534);
      const r = await other.berth(['daemon']);
      expect(r.code).toBe(1);
      expectOneLine(r.stderr, /belongs to uid 65534, not to you/, /BERTH_HOME/);
      const s = await other.berth(['status']);
      expect(s.code).toBe(1);
      expectOneLine(s.stderr, /could not start: .*belongs to uid 65534/);
      expect(existsSync(sock)).toBe(true);
    } finally {
      await other.dispose();
    }
  });
});
