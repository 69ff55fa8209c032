import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../daemon/hosts/dockerRuntime.js';
import { AuditLog } from '../../daemon/logs/audit.js';
import { LogStore } from '../../daemon/logs/store.js';
import type { Asker, AskMethod } from '../../daemon/mcp/callContext.js';
import { Health, Limits, Security, ServerSpec } from '../../daemon/protocol/spec.js';
import type { Capabilities, LogLine } from '../../daemon/protocol/status.js';
import { ServerSupervisor } from '../../daemon/servers/supervisor.js';
import { FIXTURE_IMAGE, TestHome, waitFor } from '../support.js';

interface ToolResult {
  content: object[];
}
const textOf = (r: ToolResult) => r.content.map((c) => ('text' in c ? String(c.text) : '')).join('');

describe("the daemon's own session with a server: every feature, both eras", () => {
  let home: TestHome;
  let project: string;

  beforeAll(async () => {
    home = await TestHome.create();
    project = await mkdtemp(path.join(os.tmpdir(), 'berth-roots-'));
    await home.writeSpecs(`servers:
  feat:
    image: ${FIXTURE_IMAGE}
    args: [/app/features.js]
    volumes: [{ source: ${project}, target: /work/my project }]
    health: { callTimeoutSeconds: 30, toolTimeoutSeconds: { tick: 1 }, callMaxSeconds: 4 }
  early:
    image: ${FIXTURE_IMAGE}
    args: [/app/features.js]
    env: { ADD_ON_START: "1" }
  sl:
    image: ${FIXTURE_IMAGE}
    args: [/app/slow.js]
    health: { callTimeoutSeconds: 60, toolTimeoutSeconds: { wait: 1 } }
  modern:
    image: ${FIXTURE_IMAGE}
    args: [/app/modern.js]
    protocol: auto
    health: { intervalSeconds: 1, timeoutSeconds: 2, failuresBeforeUnhealthy: 2 }
`);
    await home.ok(['start', 'feat']);
  });
  afterAll(() => home.dispose());

  const call = async (server: string, tool: string, args?: object) => home.json<ToolResult>(['call', server, tool, ...(args ? [JSON.stringify(args)] : [])]);

  it('lists every page of tools, and lists them again when the server says they changed, under pinning', async () => {
    const tools = async () => (await home.json<Capabilities>(['tools', 'feat'])).tools.map((t) => t.name);
    expect(await tools()).toEqual(['t1', 't2', 't3', 't4', 't5', 't6', 't7', 'grow', 'log', 'ask', 'roots', 'tick']);
    // A later session: what the server adds now is no longer part of its first offer.
    await home.ok(['restart', 'feat']);
    expect(textOf(await call('feat', 'grow'))).toBe('grown');
    // Seen at once, and withheld until approved, like a tool that changed across a restart.
    await waitFor('the added tool pending approval', async () => (await home.ok(['tools', 'pending', 'feat'])).includes('feat/added12 is new'));
    expect(await tools()).not.toContain('added12');
    await home.ok(['tools', 'approve', 'feat', 'added12']);
    expect(await tools()).toContain('added12');
  });

  it('a tool the server adds as its first session starts is part of its first offer, not withheld', async () => {
    await home.ok(['start', 'early']);
    await waitFor('the tool added on start', async () => (await home.json<Capabilities>(['tools', 'early'])).tools.some((t) => t.name === 'ready'));
    expect(await home.ok(['tools', 'pending', 'early'])).not.toMatch(/ready/);
    expect(await home.ok(['logs', 'early'])).not.toMatch(/withholding/);
  });

  it("puts the server's log notifications in `berth logs`, on their own stream", async () => {
    await call('feat', 'log', { message: 'disk almost full' });
    const line = await waitFor('the log line', async () => (await home.json<LogLine[]>(['logs', 'feat'])).find((l) => l.text.includes('disk almost full')));
    expect(line).toMatchObject({ stream: 'mcp', text: 'warning fixture: disk almost full' });
  });

  it("answers roots/list with the server's mounts, as file URIs of their targets in the container", async () => {
    expect(JSON.parse(textOf(await call('feat', 'roots')))).toEqual({ roots: [{ uri: 'file:///work/my%20project', name: '/work/my project' }] });
  });

  it('answers a sampling request at once with a clear error when no caller can answer it', async () => {
    const t0 = Date.now();
    expect(textOf(await call('feat', 'ask'))).toMatch(/^error -32601: no client that can answer sampling is waiting on server feat/);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it("a tool's own timeout wins over the server's, progress starts it afresh, and no call outlives the total", async () => {
    // 1 s for tick, but progress every 300 ms keeps a 2.5 s call alive.
    expect(textOf(await call('feat', 'tick', { ms: 2500 }))).toMatch(/^ticked \d+ times$/);
    // Progress forever still ends at callMaxSeconds.
    const t0 = Date.now();
    const r = await home.berth(['call', 'feat', 'tick', JSON.stringify({ ms: 20_000 })]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/tool tick of server feat timed out after 4(\.\d)? s: it ran for the longest a call may take \(4 s; health\.callMaxSeconds\)/);
    expect(Date.now() - t0).toBeLessThan(15_000);
    // Without progress, the tool's 1 s applies, not the server's 60 s.
    await home.ok(['start', 'sl']);
    const t1 = Date.now();
    const w = await home.berth(['call', 'sl', 'wait', JSON.stringify({ ms: 20_000 })]);
    expect(w.stderr).toMatch(/tool wait of server sl timed out after 1(\.\d)? s: no answer or progress came for 1 s; raise health\.toolTimeoutSeconds\.wait in its spec/);
    expect(Date.now() - t1).toBeLessThan(10_000);
  });

  it('speaks 2026-07-28 to a server that does, shows the era in status, and answers its input_required rounds', async () => {
    await home.ok(['start', 'modern']);
    expect((await home.server('modern')).protocol).toEqual({ era: 'modern', version: '2026-07-28' });
    expect((await home.server('feat')).protocol).toEqual({ era: 'legacy', version: '2025-11-25' });
    expect(await home.ok(['status', 'modern'])).toMatch(/2026-07-28/);
    expect(textOf(await call('modern', 'hello'))).toBe('hello from 2026');
    expect(JSON.parse(textOf(await call('modern', 'roots')))).toEqual({ roots: [] });
    const r = await home.berth(['call', 'modern', 'ask']);
    expect(r.code).toBe(1);
    // The server hears that `berth call` answers nothing, and refuses itself (MCP -32021).
    expect(r.stderr).toMatch(/Cannot request input 'name' \(elicitation\/create\): the request's client capabilities do not declare the required capability/);
    // Its health checks work without `ping`, which 2026-07-28 does not have.
    const checks = await waitFor('three health checks', async () => {
      const h = (await home.server('modern')).health;
      return h.length >= 3 ? h : undefined;
    });
    expect(checks.map((c) => c.error ?? 'ok')).toEqual(checks.map(() => 'ok'));
    expect((await home.server('modern')).phase).toBe('healthy');
  });
});

/** A client's way back that answers with its own name, and counts what it was asked. */
function asker(name: string, methods: AskMethod[]): Asker & { asked: string[] } {
  const asked: string[] = [];
  return {
    methods,
    asked,
    ask: (method) => {
      asked.push(method);
      return Promise.resolve(
        method === 'elicitation/create'
          ? { action: 'accept', content: { name } }
          : { role: 'assistant', model: name, content: { type: 'text', text: `from ${name}` } },
      );
    },
  };
}

describe("a server's requests go to the client whose call caused them", () => {
  let home: TestHome;
  const sups: ServerSupervisor[] = [];
  let audit: AuditLog;

  async function supervisor(name: string, script: string, protocol?: 'auto'): Promise<ServerSupervisor> {
    const spec = ServerSpec.parse({
      name, host: 'local', image: FIXTURE_IMAGE, transport: 'stdio', args: [`/app/${script}`], env: {}, volumes: [], network: 'none', protocol,
      limits: Limits.parse({}), security: Security.parse({}), health: Health.parse({}), restart: 'never', source: 'test',
    });
    const sup = new ServerSupervisor(spec, {
      rt: new DockerRuntime(),
      logs: new LogStore(path.join(home.dir, 'logs')),
      audit,
      instance: home.paths.instance,
      onChange: () => undefined,
      setDesired: () => undefined,
    });
    sups.push(sup);
    await sup.start();
    return sup;
  }

  beforeAll(async () => {
    home = await TestHome.create();
    audit = new AuditLog(path.join(home.dir, 'state'));
  });
  afterAll(async () => {
    await Promise.all(sups.map((s) => s.remove().catch(() => undefined)));
    await audit.close();
    await home.dispose();
  });

  const signal = new AbortController().signal;

  it('refuses to guess when several waiting callers could answer before the server ever asked, and asks none of them', async () => {
    const sup = await supervisor('router', 'features.js');
    const a = asker('alice', ['sampling/createMessage']);
    const b = asker('bob', ['sampling/createMessage']);
    const held = sup.callTool('tick', { ms: 3000 }, { signal, client: 'alice', asker: a });
    expect(textOf(await sup.callTool('ask', {}, { signal, client: 'bob', asker: b }))).toMatch(
      /^error -32600: 2 clients that can answer sampling are waiting on server router and Berth cannot tell which one this request is for/,
    );
    expect([...a.asked, ...b.asked]).toEqual([]);
    await held;
  });

  it('routes sampling and elicitation to the one waiting caller that can answer, past one that cannot', async () => {
    const sup = await supervisor('router2', 'features.js');
    const a = asker('alice', ['sampling/createMessage', 'elicitation/create']);
    const mute = asker('mute', []);
    // A call from a client that cannot answer is in flight the whole time.
    const held = sup.callTool('tick', { ms: 3000 }, { signal, client: 'mute', asker: mute });
    const sampled = textOf(await sup.callTool('ask', {}, { signal, client: 'alice', asker: a }));
    expect(JSON.parse(sampled.replace(/^answer /, ''))).toMatchObject({ model: 'alice', content: { text: 'from alice' } });
    const elicited = textOf(await sup.callTool('ask', { method: 'elicitation/create' }, { signal, client: 'alice', asker: a }));
    expect(JSON.parse(elicited.replace(/^answer /, ''))).toEqual({ action: 'accept', content: { name: 'alice' } });
    expect(mute.asked).toEqual([]);
    await held;
  });

  it('once the server has asked, the calls of callers that can answer take turns, so each question reaches its own caller', async () => {
    const sup = await supervisor('router3', 'features.js');
    // The server asks once, of the only caller there is: from then on Berth knows that it asks.
    await sup.callTool('ask', {}, { signal, client: 'first', asker: asker('first', ['sampling/createMessage']) });
    const a = asker('alice', ['sampling/createMessage']);
    const b = asker('bob', ['sampling/createMessage']);
    const t0 = Date.now();
    const held = sup.callTool('tick', { ms: 3000 }, { signal, client: 'alice', asker: a });
    const sampled = textOf(await sup.callTool('ask', {}, { signal, client: 'bob', asker: b }));
    expect(JSON.parse(sampled.replace(/^answer /, ''))).toMatchObject({ model: 'bob' });
    // Bob's call waited for Alice's to end.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(3000);
    expect(a.asked).toEqual([]);
    await held;
    // A caller that cannot answer is never held behind them.
    const busy = sup.callTool('tick', { ms: 3000 }, { signal, client: 'alice', asker: a });
    const t1 = Date.now();
    await sup.callTool('tick', { ms: 1 }, { signal, client: 'berth call' });
    expect(Date.now() - t1).toBeLessThan(2500);
    await busy;
  });

  it("answers a 2026-07-28 server's input_required rounds through the calling client", async () => {
    const sup = await supervisor('modern', 'modern.js', 'auto');
    expect(sup.status().protocol).toEqual({ era: 'modern', version: '2026-07-28' });
    const a = asker('carol', ['elicitation/create']);
    expect(textOf(await sup.callTool('ask', {}, { signal, client: 'carol', asker: a, capabilities: { elicitation: {} } }))).toBe('accept {"name":"carol"} after asked');
    expect(a.asked).toEqual(['elicitation/create']);
  });
});
