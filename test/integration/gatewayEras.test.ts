import { spawn } from 'node:child_process';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as V1StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport as V1StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CreateMessageRequestSchema,
  LoggingMessageNotificationSchema,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BERTH, FIXTURE_IMAGE, TestHome, waitFor } from '../support.js';

/** Which client: the SDK v1 one, SDK v2 in its default (2025) era, SDK v2 negotiating (2026-07-28 when offered). */
type Kind = 'v1' | 'v2 legacy' | 'v2 auto';
/** Which way in: the gateway's per-server endpoint, its aggregate endpoint, `berth connect`. */
type Way = 'per-server' | 'aggregate' | 'connect';

interface Endpoint {
  url: string;
  headers: Record<string, string>;
}

type Result = Record<string, unknown> & { content?: { type: string; text?: string; annotations?: unknown }[] };

/** What the tests need of a client, whichever SDK it comes from. */
interface Probe {
  era: string;
  /** The progress notifications that reached the client's transport, in order, before its SDK handled them. */
  wireProgress: unknown[];
  /** A tool's or prompt's name as this way in shows it. */
  named(name: string): string;
  callTool(name: string, args: Record<string, unknown>, opts?: { onprogress?: (p: unknown) => void; signal?: AbortSignal; timeout?: number }): Promise<Result>;
  listTools(): Promise<{ name: string; outputSchema?: unknown; annotations?: unknown }[]>;
  complete(prompt: string, argument: { name: string; value: string }): Promise<string[]>;
  templates(): Promise<string[]>;
  /** Calls back when the tool list changes (a 2026-07-28 client listens for it first). */
  onToolsChanged(callback: () => void): Promise<void>;
  /** Subscribes to a resource (2025 era) and calls back on its updates. */
  onResourceUpdated(uri: string, callback: () => void): Promise<void>;
  /** Sets the log level (2025 era) and calls back on each log message. */
  onLog(level: 'debug', callback: () => void): Promise<void>;
  close(): Promise<void>;
}

const KINDS: Kind[] = ['v1', 'v2 legacy', 'v2 auto'];
const LEGACY_KINDS: Kind[] = ['v1', 'v2 legacy'];

/** A sampling answer that names who gave it. */
const sampled = (who: string) => ({ role: 'assistant' as const, model: 'test-model', content: { type: 'text' as const, text: `answered by ${who}` } });
const WAYS: Way[] = ['per-server', 'aggregate', 'connect'];

// In file order, not shuffled: every case shares the daemon's one session with `everything`, whose
// toggles (subscriber updates, simulated logging) and learned questions carry from case to case; with
// seed 282048 the aggregate subscription case fails. Making each case independent of that session's
// state is open work (issue 23).
describe('gateway v2: both MCP eras, every feature, on every way in', { shuffle: false }, () => {
  let home: TestHome;
  const probes: Probe[] = [];

  async function endpoint(server: string, way: Way): Promise<Endpoint> {
    return home.json<Endpoint>(way === 'aggregate' ? ['endpoint', '--servers', server] : ['endpoint', server]);
  }

  /** Opens a client; with `sampler`, one that declares sampling and answers every request with that text. */
  async function open(kind: Kind, way: Way, server = 'ev', sampler?: string): Promise<Probe> {
    const named = (name: string) => (way === 'aggregate' ? `${server}__${name}` : name);
    const stdio = { command: process.execPath, args: [BERTH, 'connect', server], env: home.env as Record<string, string>, stderr: 'pipe' as const };
    const e = way === 'connect' ? undefined : await endpoint(server, way);
    let probe: Probe;
    if (kind === 'v1') {
      const c = new V1Client({ name: `v1-${way}`, version: '1' }, { capabilities: sampler ? { sampling: {} } : {} });
      if (sampler) c.setRequestHandler(CreateMessageRequestSchema, () => Promise.resolve(sampled(sampler)));
      const transport = e ? new V1StreamableHTTPClientTransport(new URL(e.url), { requestInit: { headers: e.headers } }) : new V1StdioClientTransport(stdio);
      await c.connect(transport);
      probe = {
        era: 'legacy',
        wireProgress: tapProgress(transport),
        named,
        callTool: (name, args, opts) => c.callTool({ name, arguments: args }, undefined, opts),
        listTools: async () => (await c.listTools()).tools,
        complete: async (prompt, argument) => (await c.complete({ ref: { type: 'ref/prompt', name: prompt }, argument })).completion.values,
        templates: async () => (await c.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate),
        onToolsChanged: (callback) => Promise.resolve(c.setNotificationHandler(ToolListChangedNotificationSchema, () => callback())),
        onResourceUpdated: async (uri, callback) => {
          c.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => (n.params.uri === uri ? callback() : undefined));
          await c.subscribeResource({ uri });
        },
        onLog: async (level, callback) => {
          c.setNotificationHandler(LoggingMessageNotificationSchema, () => callback());
          await c.setLoggingLevel(level);
        },
        close: () => c.close(),
      };
    } else {
      const c = new Client(
        { name: `${kind.replace(' ', '-')}-${way}`, version: '1' },
        { capabilities: sampler ? { sampling: {} } : {}, ...(kind === 'v2 auto' && { versionNegotiation: { mode: 'auto' } }) },
      );
      if (sampler) c.setRequestHandler('sampling/createMessage', () => Promise.resolve(sampled(sampler)));
      const transport = e ? new StreamableHTTPClientTransport(new URL(e.url), { requestInit: { headers: e.headers } }) : new StdioClientTransport(stdio);
      await c.connect(transport);
      probe = {
        era: c.getProtocolEra() ?? 'unknown',
        wireProgress: tapProgress(transport),
        named,
        callTool: (name, args, opts) => c.callTool({ name, arguments: args }, opts),
        listTools: async () => (await c.listTools()).tools,
        complete: async (prompt, argument) => (await c.complete({ ref: { type: 'ref/prompt', name: prompt }, argument })).completion.values,
        templates: async () => (await c.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate),
        onToolsChanged: async (callback) => {
          c.setNotificationHandler('notifications/tools/list_changed', () => callback());
          if (c.getProtocolEra() === 'modern') await c.listen({ toolsListChanged: true });
        },
        onResourceUpdated: async (uri, callback) => {
          c.setNotificationHandler('notifications/resources/updated', (n) => (n.params.uri === uri ? callback() : undefined));
          await c.subscribeResource({ uri });
        },
        onLog: async (level, callback) => {
          c.setNotificationHandler('notifications/message', () => callback());
          await c.setLoggingLevel(level);
        },
        close: () => c.close(),
      };
    }
    probes.push(probe);
    return probe;
  }

  beforeAll(async () => {
    home = await TestHome.create();
    await home.writeSpecs(`servers:
  ev:
    catalog: everything
  sl:
    image: ${FIXTURE_IMAGE}
    args: [/app/slow.js]
`);
    await home.ok(['start', 'ev']);
    await home.ok(['start', 'sl']);
  });
  afterAll(async () => {
    await Promise.all(probes.map((p) => p.close().catch(() => undefined)));
    await home.dispose();
  });

  for (const way of WAYS) {
    for (const kind of KINDS) {
      describe(`${kind} client, ${way}`, () => {
        it('negotiates its era, lists and calls, structured content and annotations intact', async () => {
          const c = await open(kind, way);
          // A negotiating client gets 2026-07-28 from Berth whatever the server speaks.
          expect(c.era).toBe(kind === 'v2 auto' ? 'modern' : 'legacy');
          const tools = await c.listTools();
          const structured = tools.find((t) => t.name === c.named('get-structured-content'));
          expect(structured?.outputSchema).toMatchObject({ type: 'object', properties: { temperature: { type: 'number' } } });
          expect(structured?.annotations).toEqual({ readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false });
          expect(await c.callTool(c.named('echo'), { message: `${kind} ${way}` })).toMatchObject({ content: [{ type: 'text', text: `Echo: ${kind} ${way}` }] });
          const weather = await c.callTool(c.named('get-structured-content'), { location: 'Chicago' });
          expect(weather.structuredContent).toEqual({ temperature: expect.any(Number), conditions: expect.any(String), humidity: expect.any(Number) });
          const annotated = await c.callTool(c.named('get-annotated-message'), { messageType: 'error', includeImage: false });
          expect(annotated.content?.[0]?.annotations).toEqual({ priority: expect.any(Number), audience: expect.any(Array) });
        });

        it('passes progress, completion and resource templates through', async () => {
          const c = await open(kind, way);
          const progress: unknown[] = [];
          const done = await c.callTool(c.named('trigger-long-running-operation'), { duration: 0.6, steps: 3 }, { onprogress: (p) => progress.push(p) });
          expect(done.content?.[0]?.text).toMatch(/completed/i);
          // Every step reaches the client, before the result. Its SDK may still drop the last one
          // when that arrives in the same read as the result (modelcontextprotocol/typescript-sdk#2580,
          // in v1 and v2 alike), as it would straight from the server.
          expect(c.wireProgress).toEqual([1, 2, 3].map((n) => ({ progressToken: expect.anything(), progress: n, total: 3 })));
          expect(progress.slice(0, 2)).toEqual([
            { progress: 1, total: 3 },
            { progress: 2, total: 3 },
          ]);
          expect(await c.complete(c.named('completable-prompt'), { name: 'department', value: 'E' })).toContain('Engineering');
          expect(await c.templates()).toContain('demo://resource/dynamic/text/{resourceId}');
        });

        it("passes the client's cancellation to the server", async () => {
          const c = await open(kind, way, 'sl');
          const heard = async () => ((await home.ok(['logs', 'sl'])).match(/cancelled request /g) ?? []).length;
          const before = await heard();
          const abort = new AbortController();
          const call = c.callTool(c.named('wait'), { ms: 60_000 }, { signal: abort.signal, timeout: 90_000 }).then(
            () => new Error('the call finished'),
            (e: Error) => e,
          );
          await waitFor('the call to reach the server', async () => ((await home.ok(['logs', 'sl'])).match(/waiting 60000 ms/g) ?? []).length > before);
          abort.abort('the user pressed stop');
          expect((await call).message).toMatch(/the user pressed stop|abort/i);
          await waitFor('the server to hear of it', async () => (await heard()) > before, 10_000);
          expect(await c.callTool(c.named('wait'), { ms: 1 })).toMatchObject({ content: [{ type: 'text', text: 'waited 1 ms' }] });
        });
      });
    }
  }

  for (const way of WAYS) {
    for (const kind of LEGACY_KINDS) {
      it(`${kind} client, ${way}: resource updates it subscribed to, and log messages at the level it set`, async () => {
        const c = await open(kind, way);
        const uri = 'demo://resource/static/document/architecture.md';
        let updates = 0;
        let logs = 0;
        await c.onResourceUpdated(uri, () => updates++);
        await c.onLog('debug', () => logs++);
        // Both toggles act on the daemon's one session with the server, so each is set back after.
        await c.callTool(c.named('toggle-subscriber-updates'), {});
        await c.callTool(c.named('toggle-simulated-logging'), {});
        try {
          await waitFor('an update and a log message', async () => updates > 0 && logs > 0, 30_000);
        } finally {
          await c.callTool(c.named('toggle-subscriber-updates'), {});
          await c.callTool(c.named('toggle-simulated-logging'), {});
        }
      });
    }
  }

  // `everything` speaks 2025: its sampling request names no call. Once it has asked once, Berth
  // has the calls of clients that can answer take turns, so each question has one candidate.
  for (const way of ['per-server', 'connect'] as const) {
    it(`${way}: a server's sampling request goes to the client whose call caused it, in both eras, with other clients calling at once`, async () => {
      const clients = await Promise.all(KINDS.map((kind) => open(kind, way, 'ev', `${kind} ${way}`)));
      const tool = clients[0]!.named('trigger-sampling-request');
      const ask = (c: Probe) => c.callTool(tool, { prompt: 'who are you?', maxTokens: 10 });
      // The server's first question teaches Berth that it asks.
      expect((await ask(clients[0]!)).content?.[0]?.text).toContain(`answered by ${KINDS[0]} ${way}`);
      const plain = await open('v2 legacy', way);
      const [answers, echoes] = await Promise.all([
        Promise.all(clients.flatMap((c) => [ask(c), ask(c)])),
        // A client that cannot answer is never held behind them.
        Promise.all([1, 2, 3].map((n) => plain.callTool(plain.named('echo'), { message: `plain ${n}` }))),
      ]);
      const answeredBy = (kind: Kind): unknown => expect.stringContaining(`answered by ${kind} ${way}`);
      expect(answers.map((a) => a.content?.[0]?.text)).toEqual(KINDS.flatMap((kind) => [answeredBy(kind), answeredBy(kind)]));
      expect(echoes.map((e) => e.content?.[0]?.text)).toEqual(['Echo: plain 1', 'Echo: plain 2', 'Echo: plain 3']);
    });
  }

  it("tells every client when the server's tools change, in both eras, on every way in", async () => {
    const changed = new Map<string, boolean>();
    for (const way of WAYS) {
      for (const kind of KINDS) {
        const c = await open(kind, way);
        await c.listTools();
        changed.set(`${kind} ${way}`, false);
        await c.onToolsChanged(() => changed.set(`${kind} ${way}`, true));
      }
    }
    await home.writeSpecs(`servers:
  ev:
    catalog: everything
    tools: { deny: [get-env] }
  sl:
    image: ${FIXTURE_IMAGE}
    args: [/app/slow.js]
`);
    await waitFor('every client told', async () => [...changed.values()].every(Boolean), 60_000).catch(() => undefined);
    expect(Object.fromEntries(changed)).toEqual(Object.fromEntries([...changed.keys()].map((k) => [k, true])));
  });

  it('berth connect ends with one sentence on stderr when the daemon goes away', async () => {
    const child = spawn(process.execPath, [BERTH, 'connect', 'ev'], { env: home.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += String(d)));
    child.stderr.on('data', (d: Buffer) => (stderr += String(d)));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } })}\n`);
    await waitFor('the initialize answer', async () => stdout.includes('"id":1'));
    await home.ok(['daemon', 'stop']);
    expect(await exited).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(/^berth: the Berth daemon went away \(it stopped or restarted\), so the connection to ev ended; restart the MCP server in your client to connect again$/)]);
  });
});

/** Records the progress notifications a client transport receives, ahead of its SDK (which may drop one). */
function tapProgress(transport: { onmessage?: (message: never, extra?: never) => void }): unknown[] {
  const seen: unknown[] = [];
  const dispatch = transport.onmessage;
  transport.onmessage = (message, extra) => {
    const m = message as { method?: string; params?: unknown };
    if (m.method === 'notifications/progress') seen.push(m.params);
    dispatch?.(message, extra);
  };
  return seen;
}
