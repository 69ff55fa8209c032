import { execFile } from 'node:child_process';
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BERTH, FIXTURE_IMAGE, TestHome, waitFor } from '../support.js';

const docker = promisify(execFile);
const INIT = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };
/** What a 2026-07-28 request carries in its `_meta` instead of a session's `initialize`. */
const MODERN_META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

interface Endpoint {
  url: string;
  headers: Record<string, string>;
}

describe('gateway: one container serves every client', () => {
  let home: TestHome;
  let ev: Endpoint;
  const clients: Client[] = [];

  async function httpClient(e: Endpoint, name = 'test'): Promise<Client> {
    const c = new Client({ name, version: '1' });
    await c.connect(new StreamableHTTPClientTransport(new URL(e.url), { requestInit: { headers: e.headers } }));
    clients.push(c);
    return c;
  }

  beforeAll(async () => {
    home = await TestHome.create();
    await home.writeSpecs(`servers:
  ev:
    catalog: everything
  ev2:
    catalog: everything
    health: { callTimeoutSeconds: 2 }
  sl:
    image: ${FIXTURE_IMAGE}
    args: [/app/slow.js]
`);
    await home.ok(['start', 'ev']);
    await home.ok(['start', 'ev2']);
    ev = await home.json<Endpoint>(['endpoint', 'ev']);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await home.dispose();
  });

  it('serves a server over Streamable HTTP to the SDK client, loopback only, with a bearer token', async () => {
    expect(ev.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp\/ev$/);
    expect(ev.headers.Authorization).toMatch(/^Bearer [A-Za-z0-9_-]{43}$/);
    const c = await httpClient(ev);
    expect((await c.listTools()).tools.map((t) => t.name)).toContain('echo');
    expect(await c.callTool({ name: 'echo', arguments: { message: 'over http' } })).toEqual({ content: [{ type: 'text', text: 'Echo: over http' }] });
    expect((await c.listPrompts()).prompts.map((p) => p.name)).toContain('simple-prompt');
    const token = await readFile(path.join(home.paths.stateDir, 'gateway-token'), 'utf8');
    expect(`Bearer ${token}`).toBe(ev.headers.Authorization);
    const { stdout } = await docker('stat', ['-c', '%a', path.join(home.paths.stateDir, 'gateway-token')]);
    expect(stdout.trim()).toBe('600');
  });

  it('serves several servers on the aggregate endpoint with namespaced tools and a selection', async () => {
    const all = await httpClient(await home.json<Endpoint>(['endpoint']));
    const names = (await all.listTools()).tools.map((t) => t.name);
    expect(names).toContain('ev__echo');
    expect(names).toContain('ev2__get-sum');
    expect(await all.callTool({ name: 'ev2__get-sum', arguments: { a: 2, b: 3 } })).toMatchObject({ content: [{ text: expect.stringContaining('5') }] });
    const some = await httpClient(await home.json<Endpoint>(['endpoint', '--servers', 'ev', '--tools', 'ev__echo']));
    expect((await some.listTools()).tools.map((t) => t.name)).toEqual(['ev__echo']);
    await expect(some.callTool({ name: 'ev__get-env', arguments: {} })).rejects.toThrow(/not offered by this endpoint/);
  });

  it('ten clients calling in parallel each get their own answers, and one container exists throughout', async () => {
    const before = (await home.containers()).filter((c) => c.server === 'ev');
    const counts: number[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) counts.push((await home.containers()).filter((c) => c.server === 'ev').length);
    })();
    const sessions = await Promise.all(Array.from({ length: 10 }, (_, i) => httpClient(ev, `client-${i}`)));
    const results = await Promise.all(
      sessions.map(async (c, i) => {
        const answers: string[] = [];
        for (let j = 0; j < 20; j++) {
          const r = (await c.callTool({ name: 'echo', arguments: { message: `c${i}-m${j}` } })) as { content: { text: string }[] };
          answers.push(r.content[0]!.text);
        }
        return answers;
      }),
    );
    watching = false;
    await watcher;
    results.forEach((answers, i) => expect(answers).toEqual(Array.from({ length: 20 }, (_, j) => `Echo: c${i}-m${j}`)));
    expect(counts.length).toBeGreaterThan(0);
    expect(new Set(counts)).toEqual(new Set([1]));
    expect((await home.containers()).filter((c) => c.server === 'ev').map((c) => c.id)).toEqual(before.map((c) => c.id));
  });

  it('records every call in the audit log without argument values', async () => {
    const c = await httpClient(ev, 'auditor');
    await c.callTool({ name: 'echo', arguments: { message: 'do-not-store-this-value' } });
    // The daemon writes its audit lines after answering, so a call never waits on the disk.
    const audit = await waitFor('the call in the audit log', async () => {
      const text = await readFile(path.join(home.paths.stateDir, 'audit.log'), 'utf8').catch(() => '');
      return text.includes('"client":"auditor"') && text;
    });
    const mine = audit.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => e.client === 'auditor');
    // The call's span ids (W3C Trace Context) find it among the collector's traces; a call that named no parent started a trace.
    expect(mine).toEqual([
      { t: expect.any(Number), client: 'auditor', server: 'ev', tool: 'echo', ms: expect.any(Number), outcome: 'ok', traceId: expect.stringMatching(/^[0-9a-f]{32}$/), spanId: expect.stringMatching(/^[0-9a-f]{16}$/) },
    ]);
    expect(audit).not.toContain('do-not-store-this-value');
  });

  it('berth connect bridges stdio clients onto the same container and exits when its client goes', async () => {
    const transport = new StdioClientTransport({ command: process.execPath, args: [BERTH, 'connect', 'ev'], env: home.env as Record<string, string>, stderr: 'pipe' });
    const c = new Client({ name: 'stdio-client', version: '1' });
    await c.connect(transport);
    expect(await c.callTool({ name: 'echo', arguments: { message: 'bridged' } })).toEqual({ content: [{ type: 'text', text: 'Echo: bridged' }] });
    const pid = transport.pid!;
    await c.close();
    await waitFor('berth connect to exit', async () => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    });
    expect((await home.containers()).filter((x) => x.server === 'ev')).toHaveLength(1);
  });

  it('works with an independent MCP client from npm (mcp-remote)', async () => {
    const bin = path.resolve('node_modules', '.bin', 'mcp-remote');
    const transport = new StdioClientTransport({
      command: bin,
      args: [ev.url, '--allow-http', '--transport', 'http-only', '--header', `Authorization:${ev.headers.Authorization}`],
      env: { ...(process.env as Record<string, string>), HOME: home.dir },
      stderr: 'pipe',
    });
    const c = new Client({ name: 'through-mcp-remote', version: '1' });
    await c.connect(transport);
    clients.push(c);
    expect(await c.callTool({ name: 'echo', arguments: { message: 'independent' } })).toEqual({ content: [{ type: 'text', text: 'Echo: independent' }] });
  });

  it('a hung call times out with a JSON-RPC error and does not block other sessions', async () => {
    const e2 = await home.json<Endpoint>(['endpoint', 'ev2']);
    const slow = await httpClient(e2, 'slow');
    const quick = await httpClient(e2, 'quick');
    const t0 = Date.now();
    const hung = slow.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 20, steps: 1 } }, undefined, { timeout: 60_000 });
    const answer = await quick.callTool({ name: 'echo', arguments: { message: 'not blocked' } });
    expect(answer).toEqual({ content: [{ type: 'text', text: 'Echo: not blocked' }] });
    expect(Date.now() - t0).toBeLessThan(1500);
    await expect(hung).rejects.toThrow(/timed out/i);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it("passes a client's cancellation through to the server, and the session carries on", async () => {
    await home.ok(['start', 'sl']);
    const c = await httpClient(await home.json<Endpoint>(['endpoint', 'sl']), 'canceller');
    const abort = new AbortController();
    const call = c
      .callTool({ name: 'wait', arguments: { ms: 60_000 } }, undefined, { signal: abort.signal, timeout: 90_000 })
      .then(() => new Error('the call finished'), (e: Error) => e);
    await waitFor('the call to reach the server', async () => (await home.ok(['logs', 'sl'])).includes('waiting 60000 ms'));
    const t0 = Date.now();
    abort.abort('the user pressed stop');
    expect((await call).message).toMatch(/the user pressed stop/);
    expect(Date.now() - t0).toBeLessThan(1000);
    await waitFor('the server to hear of it', async () => /cancelled request \d+: /.test(await home.ok(['logs', 'sl'])), 5000);
    expect(await c.callTool({ name: 'wait', arguments: { ms: 1 } })).toEqual({ content: [{ type: 'text', text: 'waited 1 ms' }] });
  });

  it('a server that dies mid-call: the caller gets an error, other servers carry on, the session works after the restart', async () => {
    const victim = await httpClient(ev, 'victim');
    const bystander = await httpClient(await home.json<Endpoint>(['endpoint', 'ev2']), 'bystander');
    // Settled into a value at once, so the rejection is never unhandled while the container is killed.
    let progressed = false;
    const call = victim
      .callTool({ name: 'trigger-long-running-operation', arguments: { duration: 30, steps: 30 } }, undefined, { timeout: 60_000, onprogress: () => (progressed = true) })
      .then(() => new Error('the call succeeded'), (e: Error) => e);
    // Its first progress notification: the call is running inside the server.
    await waitFor('the call to run on the server', async () => progressed);
    const [c] = (await home.containers(false)).filter((x) => x.server === 'ev');
    const t0 = Date.now();
    await docker('docker', ['kill', c!.id]);
    expect((await call).message).toMatch(/closed|exited|not running/i);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(await bystander.callTool({ name: 'echo', arguments: { message: 'still here' } })).toEqual({ content: [{ type: 'text', text: 'Echo: still here' }] });
    await waitFor('ev back', async () => (await home.server('ev')).phase === 'healthy');
    expect(await victim.callTool({ name: 'echo', arguments: { message: 'after restart' } })).toEqual({ content: [{ type: 'text', text: 'Echo: after restart' }] });
  });

  it('proxies an HTTP-transport server the same way, with no port published on the host', async () => {
    await home.writeSpecs(`${await home.readSpecs()}  web:
    catalog: everything
    transport: http
    args: [streamableHttp]
    http: { port: 3001, path: /mcp }
`);
    await waitFor('web in the spec', async () => (await home.status()).servers.some((s) => s.name === 'web'));
    expect((await home.json<{ phase: string }>(['start', 'web'])).phase).toBe('healthy');
    const c = await httpClient(await home.json<Endpoint>(['endpoint', 'web']));
    expect(await c.callTool({ name: 'echo', arguments: { message: 'http inside' } })).toEqual({ content: [{ type: 'text', text: 'Echo: http inside' }] });
    const [web] = (await home.containers(false)).filter((x) => x.server === 'web');
    const { stdout } = await docker('docker', ['inspect', web!.id]);
    const [info] = JSON.parse(stdout) as { HostConfig: { PortBindings: Record<string, unknown> | null }; NetworkSettings: { Ports: Record<string, unknown[] | null> } }[];
    expect(Object.keys(info!.HostConfig.PortBindings ?? {})).toEqual([]);
    expect(Object.values(info!.NetworkSettings.Ports ?? {}).filter((b) => b && b.length)).toEqual([]);
  });

  describe('refuses bad requests', () => {
    const post = (url: string, headers: Record<string, string>, body: string) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, body });

    it('no token, a wrong token: 401', async () => {
      const none = await post(ev.url, {}, JSON.stringify(INIT));
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toContain('Bearer');
      expect((await post(ev.url, { Authorization: 'Bearer nope' }, JSON.stringify(INIT))).status).toBe(401);
      expect((await post(ev.url, { Authorization: ev.headers.Authorization!.slice(0, -1) }, JSON.stringify(INIT))).status).toBe(401);
    });

    it('a foreign Origin or Host: 403 (DNS rebinding)', async () => {
      const origin = await post(ev.url, { ...ev.headers, Origin: 'https://evil.example' }, JSON.stringify(INIT));
      expect(origin.status).toBe(403);
      expect(await origin.text()).toContain('evil.example');
      const url = new URL(ev.url);
      const host = await new Promise<number>((resolve, reject) => {
        const req = http.request(
          { host: '127.0.0.1', port: url.port, path: url.pathname, method: 'POST', headers: { ...ev.headers, Host: `attacker.example:${url.port}`, 'content-type': 'application/json' } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify(INIT));
      });
      expect(host).toBe(403);
    });

    it('an oversized body: 413', async () => {
      const big = JSON.stringify({ ...INIT, params: { ...INIT.params, pad: 'x'.repeat(5 * 1024 * 1024) } });
      expect((await post(ev.url, ev.headers, big)).status).toBe(413);
    });

    it('truncated JSON: 400 with a JSON-RPC parse error', async () => {
      const r = await post(ev.url, ev.headers, JSON.stringify(INIT).slice(0, 40));
      expect(r.status).toBe(400);
      expect(await r.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32700 } });
      // A small body is never taken for an oversized one, whatever it says.
      expect((await post(ev.url, ev.headers, 'too-large')).status).toBe(400);
    });

    it('a 2026-07-28 request whose Mcp-Method or Mcp-Name header disagrees with its body: 400 HeaderMismatch', async () => {
      const call = { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'echo', arguments: { message: 'routed' }, _meta: MODERN_META } };
      const modern = { ...ev.headers, 'mcp-protocol-version': '2026-07-28' };
      const right = await post(ev.url, { ...modern, 'mcp-method': 'tools/call', 'mcp-name': 'echo' }, JSON.stringify(call));
      expect(right.status).toBe(200);
      for (const wrong of [{ 'mcp-method': 'tools/list', 'mcp-name': 'echo' }, { 'mcp-method': 'tools/call', 'mcp-name': 'add' }]) {
        const r = await post(ev.url, { ...modern, ...wrong }, JSON.stringify(call));
        expect(r.status).toBe(400);
        expect(await r.json()).toMatchObject({ jsonrpc: '2.0', id: 7, error: { code: -32020 } });
      }
    });

    it('an unknown session: 404; no session and no initialize: 400', async () => {
      const r = await post(ev.url, { ...ev.headers, 'mcp-session-id': 'made-up' }, JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }));
      expect(r.status).toBe(404);
      const n = await post(ev.url, ev.headers, JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }));
      expect(n.status).toBe(400);
    });

    it('an unknown server or path: 404, and the gateway keeps serving', async () => {
      expect((await post(ev.url.replace(/ev$/, 'nope'), ev.headers, JSON.stringify(INIT))).status).toBe(404);
      expect((await post(ev.url.replace(/mcp\/ev$/, 'etc/passwd'), ev.headers, JSON.stringify(INIT))).status).toBe(404);
      expect((await post(ev.url.replace(/ev$/, '%E0%A4%A'), ev.headers, JSON.stringify(INIT))).status).toBe(400);
      const c = await httpClient(ev);
      expect(await c.callTool({ name: 'echo', arguments: { message: 'fine' } })).toEqual({ content: [{ type: 'text', text: 'Echo: fine' }] });
    });
  });
});
