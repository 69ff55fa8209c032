import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { berthBackend, type EnableHints } from '../../daemon/berthMcp/backend.js';
import { endpointSettings, FLAG_HINTS, readBerthMcpSettings } from '../../daemon/berthMcp/settingsFile.js';
import { defineTool, type BerthMcpDeps, type BerthTool } from '../../daemon/berthMcp/tool.js';
import type { AuditEntry } from '../../daemon/logs/audit.js';
import type { Asker, CallContext } from '../../daemon/mcp/callContext.js';
import { BerthMcpSettings } from '../../daemon/protocol/berthMcp.js';

/** What each fake tool did, so a refusal is seen to change nothing. */
let ran: string[] = [];

const tool = (name: string, annotations: BerthTool['annotations'], extra: Partial<BerthTool> = {}): BerthTool =>
  defineTool({
    name,
    title: name,
    description: name,
    input: z.object({ target: z.string().optional() }),
    output: z.object({ did: z.string() }),
    annotations,
    run: (_a, run) => {
      ran.push(`${name}@${run.host}`);
      return Promise.resolve({ structured: { did: name }, text: `did ${name}` });
    },
    ...extra,
  });

const READ = { readOnlyHint: true, destructiveHint: false, idempotentHint: true };
const WRITE = { readOnlyHint: false, destructiveHint: false, idempotentHint: true };
const DESTROY = { readOnlyHint: false, destructiveHint: true, idempotentHint: false };
const TOOLS = [
  tool('look', READ),
  tool('make', WRITE),
  tool('wreck', DESTROY, { confirm: (a: Record<string, unknown>) => `Wreck ${String(a.target)}?` }),
  tool('reach_in', DESTROY, { optIn: true, confirm: () => 'Reach in?' }),
];

const audit: AuditEntry[] = [];
const deps = {
  hosts: { names: () => ['local', 'build'] },
  audit: { record: (e: AuditEntry) => audit.push(e) },
} as unknown as BerthMcpDeps;

const HINTS: EnableHints = { allowWrite: 'HINT-WRITE', enable: (t) => `HINT-ENABLE ${t}`, noConfirm: 'HINT-NOCONFIRM' };

function backend(settings: Partial<z.input<typeof BerthMcpSettings>> | (() => BerthMcpSettings)) {
  const s = typeof settings === 'function' ? settings : () => BerthMcpSettings.parse(settings);
  return berthBackend(deps, TOOLS, s, HINTS);
}

function asker(answer: Record<string, unknown>): Asker & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    methods: ['elicitation/create'],
    ask: (_m, params) => {
      asked.push(String(params.message));
      return Promise.resolve(answer);
    },
  };
}

const ctx = (a?: Asker): CallContext => ({ signal: new AbortController().signal, client: 'unit', asker: a });
type Out = { isError?: boolean; content: { text: string }[]; structuredContent?: unknown };
const call = async (b: ReturnType<typeof backend>, name: string, args: Record<string, unknown> = {}, a?: Asker) => (await b.callTool(name, args, ctx(a))) as Out;
const listed = (b: ReturnType<typeof backend>) => b.capabilities().tools.map((t) => t.name);

describe("Berth's MCP backend: what is offered and what is refused", () => {
  it('is read-only by default: lists only reading tools, and refuses a write by name with the way to allow it, running nothing', async () => {
    ran = [];
    const b = backend({});
    expect(listed(b)).toEqual(['look']);
    for (const name of ['make', 'wreck', 'reach_in']) {
      const r = await call(b, name);
      expect(r.isError).toBe(true);
      expect(r.content[0]!.text).toContain('read-only');
      expect(r.content[0]!.text).toContain('HINT-WRITE');
    }
    expect(ran).toEqual([]);
    expect((await call(b, 'look')).content[0]!.text).toBe('did look');
    expect(ran).toEqual(['look@local']);
  });

  it('offers writes once allowed, but keeps an opt-in tool off until it is named', async () => {
    ran = [];
    const b = backend({ allowWrite: true, confirmDestructive: false });
    expect(listed(b)).toEqual(['look', 'make', 'wreck']);
    const r = await call(b, 'reach_in');
    expect(r.content[0]!.text).toContain('HINT-ENABLE reach_in');
    expect(ran).toEqual([]);
    const on = backend({ allowWrite: true, confirmDestructive: false, enable: ['reach_in'] });
    expect(listed(on)).toContain('reach_in');
    expect((await call(on, 'reach_in')).isError).toBeUndefined();
    expect(ran).toEqual(['reach_in@local']);
  });

  it('asks the human before a destructive call: a yes runs it, a no or a client that cannot ask changes nothing', async () => {
    ran = [];
    const b = backend({ allowWrite: true });
    const yes = asker({ action: 'accept', content: { confirm: true } });
    expect((await call(b, 'wreck', { target: 'box' }, yes)).content[0]!.text).toBe('did wreck');
    expect(yes.asked).toEqual(['Wreck box?']);

    for (const answer of [{ action: 'decline' }, { action: 'cancel' }, { action: 'accept', content: { confirm: false } }]) {
      const r = await call(b, 'wreck', { target: 'box' }, asker(answer));
      expect(r.isError).toBe(true);
      expect(r.content[0]!.text).toMatch(/did not confirm .*nothing was changed/);
    }
    const unable = await call(b, 'wreck', { target: 'box' });
    expect(unable.content[0]!.text).toMatch(/cannot ask for it .*HINT-NOCONFIRM/);
    expect(ran).toEqual(['wreck@local']);

    // A call that cannot succeed is refused before anyone is asked.
    const checked = berthBackend(deps, [tool('wreck', DESTROY, { confirm: () => 'Wreck?', precheck: () => Promise.reject(new Error('there is no such thing')) })], () => BerthMcpSettings.parse({ allowWrite: true }), HINTS);
    const waiting = asker({ action: 'accept', content: { confirm: true } });
    expect((await call(checked, 'wreck', {}, waiting)).content[0]!.text).toBe('there is no such thing');
    expect(waiting.asked).toEqual([]);
    expect(ran).toEqual(['wreck@local']);

    // A non-destructive write is not asked about.
    const quiet = asker({ action: 'accept', content: { confirm: true } });
    await call(b, 'make', {}, quiet);
    expect(quiet.asked).toEqual([]);
  });

  it('applies the tool policy, checks the host, and says what was wrong with the arguments', async () => {
    ran = [];
    const b = backend({ allowWrite: true, tools: { deny: ['make'] } });
    expect(listed(b)).not.toContain('make');
    expect((await call(b, 'make')).isError).toBe(true);
    expect((await call(b, 'look', { host: 'nowhere' })).content[0]!.text).toBe('there is no host named "nowhere"; known hosts: local, build');
    expect((await call(b, 'look', { target: 5 })).content[0]!.text).toMatch(/^the arguments of look are not valid: target: [^✖→]+$/);
    expect(ran).toEqual([]);
    await call(b, 'look', { host: 'build' });
    expect(ran).toEqual(['look@build']);
    await expect(b.callTool('nope', {}, ctx())).rejects.toThrow(/no tool named "nope"/);
  });

  it('reads its settings at each call, so a change holds at once', async () => {
    let s = BerthMcpSettings.parse({});
    const b = backend(() => s);
    expect((await call(b, 'make')).isError).toBe(true);
    s = BerthMcpSettings.parse({ allowWrite: true });
    expect(listed(b)).toContain('make');
    expect((await call(b, 'make')).content[0]!.text).toBe('did make');
  });

  it('records every call in the audit log, refusals included', async () => {
    audit.length = 0;
    const b = backend({});
    await call(b, 'look');
    await call(b, 'make');
    expect(audit.map((e) => [e.server, e.tool, e.outcome, e.client])).toEqual([
      ['berth', 'look', 'ok', 'unit'],
      ['berth', 'make', 'tool-error', 'unit'],
    ]);
  });
});

describe("the /berth endpoint's settings file", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'berth-mcp-settings-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is read-only with Berth containers only when absent, and reads what it says', async () => {
    const file = path.join(dir, 'mcp.yaml');
    expect(readBerthMcpSettings(file)).toEqual({ settings: { allowWrite: false, scope: 'managed', enable: [], confirmDestructive: true, mountRoots: [] } });
    await writeFile(file, 'allowWrite: true\nscope: all\nenable: [execute_command_in_container]\n');
    expect(readBerthMcpSettings(file).settings).toMatchObject({ allowWrite: true, scope: 'all', enable: ['execute_command_in_container'] });
  });

  it('falls back to the safe defaults when broken, and its hints say why', async () => {
    const file = path.join(dir, 'broken.yaml');
    await writeFile(file, 'allowWrite: yes please\n');
    const r = readBerthMcpSettings(file);
    expect(r.settings.allowWrite).toBe(false);
    expect(r.error).toMatch(/broken\.yaml has an error: .*allowWrite/);
    const e = endpointSettings(file);
    expect(e.settings().allowWrite).toBe(false);
    expect(e.hints.allowWrite).toContain(`set \`allowWrite: true\` in ${file} (it has an error now`);
    await writeFile(file, 'allowWrite: true\n');
    expect(e.settings().allowWrite).toBe(true);
    expect(e.hints.allowWrite).not.toContain('error');
  });

  it('names the flag to use for `berth mcp`', () => {
    expect(FLAG_HINTS.allowWrite).toContain('--allow-write');
    expect(FLAG_HINTS.enable('execute_command_in_container')).toContain('--enable execute_command_in_container');
  });
});
