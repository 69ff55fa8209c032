import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { CallContext } from '../mcp/callContext.js';
import type { McpBackend } from '../mcp/proxyServer.js';
import { policyBlock } from '../policy/tools.js';
import type { BerthMcpSettings } from '../protocol/berthMcp.js';
import type { Capabilities } from '../protocol/status.js';
import { VERSION } from '../protocol/version.js';
import { ToolFailure, type BerthMcpDeps, type BerthTool } from './tool.js';
import { describeIssue } from '../protocol/issue.js';

type Result = Record<string, unknown>;

/** The name Berth's own tools go by in the audit log and in clients' server lists. */
export const BERTH_SERVER_NAME = 'berth';

/** How the user turns on what is off, in the words of where these settings come from (flags for `berth mcp`, a file for `/berth`). */
export interface EnableHints {
  allowWrite: string;
  enable(tool: string): string;
  noConfirm: string;
}

const HostArg = z.object({ host: z.string().min(1).max(200).optional().describe('The Berth host to act on (`berth host ls`); `local` when absent.') });

/**
 * Berth's own tools as an MCP backend, so the gateway's `/berth` endpoint and `berth mcp` serve
 * them through the same proxy as any server: both MCP eras, progress, cancellation, elicitation
 * round trips and redaction come with it. Settings are read at each call, so a changed setting
 * holds from the next call on.
 */
export function berthBackend(deps: BerthMcpDeps, tools: BerthTool[], settings: () => BerthMcpSettings, hints: EnableHints): McpBackend {
  const described = new Map(tools.map((t) => [t.name, describe(t)]));
  const offered = (s: BerthMcpSettings) => tools.filter((t) => !blocked(t, s, hints));
  return {
    name: BERTH_SERVER_NAME,
    version: VERSION,
    capabilities: (): Capabilities => ({
      serverInfo: { name: BERTH_SERVER_NAME, version: VERSION },
      instructions: instructions(settings(), hints),
      tools: offered(settings()).map((t) => described.get(t.name)!),
      prompts: [],
      resources: [],
      server: { tools: { listChanged: true } },
    }),
    instructions: () => instructions(settings(), hints),
    offers: () => ({ completions: false, logging: false, subscribe: false }),
    callTool: (name, args, ctx) => {
      const tool = tools.find((t) => t.name === name);
      if (!tool) return Promise.reject(new ProtocolError(ProtocolErrorCode.InvalidParams, `Berth has no tool named ${JSON.stringify(name)}; list its tools to see what it offers`));
      return call(deps, tool, args ?? {}, ctx, settings(), hints);
    },
    getPrompt: () => Promise.reject(new ProtocolError(ProtocolErrorCode.InvalidParams, 'Berth offers no prompts')),
    readResource: () => Promise.reject(new ProtocolError(ProtocolErrorCode.InvalidParams, 'Berth offers no resources')),
    request: (method) => Promise.reject(new ProtocolError(ProtocolErrorCode.MethodNotFound, `Method not found: ${method}`)),
    onNotification: () => () => undefined,
  };
}

function describe(tool: BerthTool): Capabilities['tools'][number] {
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: z.toJSONSchema(tool.input.extend(HostArg.shape), { io: 'input' }) as { type: 'object' },
    outputSchema: z.toJSONSchema(tool.output, { io: 'output' }),
    annotations: { title: tool.title, ...tool.annotations },
  };
}

/** Why a tool is off under these settings, as the sentence its caller reads; undefined when it is on. */
function blocked(tool: BerthTool, s: BerthMcpSettings, hints: EnableHints): string | undefined {
  const q = JSON.stringify(tool.name);
  if (!tool.annotations.readOnlyHint && !s.allowWrite) return `tool ${q} changes things, and Berth's MCP server is read-only; ${hints.allowWrite}`;
  if (tool.optIn && !s.enable.includes(tool.name)) return `tool ${q} reaches inside containers (or, building, the host's files) and is off unless enabled by name; ${hints.enable(tool.name)}`;
  return policyBlock({ name: tool.name, annotations: { ...tool.annotations } }, s.tools, BERTH_SERVER_NAME);
}

function instructions(s: BerthMcpSettings, hints: EnableHints): string {
  const lines = [
    'Berth runs MCP servers in Docker containers, on this machine and on SSH hosts. These tools manage those servers (docker_*_server) and the Docker engines themselves. Every tool takes an optional `host`.',
    s.allowWrite ? 'Writes are on.' : `Only reading tools are offered: ${hints.allowWrite}`,
    s.scope === 'managed' ? 'The Docker tools see only containers Berth manages.' : 'The Docker tools see every container on each engine.',
  ];
  if (s.allowWrite && s.confirmDestructive) lines.push('Destructive calls ask the user to confirm first.');
  return lines.join(' ');
}

async function call(deps: BerthMcpDeps, tool: BerthTool, args: Record<string, unknown>, ctx: CallContext, s: BerthMcpSettings, hints: EnableHints): Promise<Result> {
  const t = Date.now();
  /** The host a call ran on, once known: a failure there names it (an SSH error names only the address). */
  let onHost: string | undefined;
  const outcome = (ok: boolean, error?: string) =>
    deps.audit.record({ t, client: ctx.client, server: BERTH_SERVER_NAME, tool: tool.name, ms: Date.now() - t, outcome: ok ? 'ok' : 'tool-error', error });
  try {
    const refusal = blocked(tool, s, hints);
    if (refusal) throw new ToolFailure(refusal);
    const parsed = tool.input.extend(HostArg.shape).safeParse(args);
    if (!parsed.success) throw new ToolFailure(`the arguments of ${tool.name} are not valid: ${describeIssue(parsed.error)}`);
    const { host: namedHost, ...rest } = parsed.data as Record<string, unknown> & { host?: string };
    const host = namedHost ?? 'local';
    if (!deps.hosts.names().includes(host)) throw new ToolFailure(`there is no host named ${JSON.stringify(host)}; known hosts: ${deps.hosts.names().join(', ')}`);
    if (host !== 'local') onHost = host;
    let step = 0;
    const progress = (message: string) => ctx.onprogress?.({ progress: ++step, message });
    const run = { deps, host, namedHost, settings: s, call: ctx, progress };
    await tool.precheck?.(rest, run);
    if (tool.annotations.destructiveHint && tool.confirm && s.confirmDestructive) await confirm(ctx, tool.confirm(rest, host), hints);
    const result = await tool.run(rest, run);
    const structured = tool.output.parse(result.structured);
    outcome(true);
    return { content: [{ type: 'text', text: result.text }], structuredContent: structured };
  } catch (e) {
    // A client that gave up hears nothing more; the audit log still says what happened.
    const said = e instanceof Error ? e.message : String(e);
    const message = onHost && !said.includes(`host ${onHost}`) ? `${said} (host ${onHost})` : said;
    outcome(false, message);
    if (ctx.signal.aborted) throw e;
    return { content: [{ type: 'text', text: message }], isError: true };
  }
}

/** Puts the question to the human through the client (MCP elicitation); anything but a yes stops the call with nothing changed. */
async function confirm(ctx: CallContext, question: string, hints: EnableHints): Promise<void> {
  if (!ctx.asker?.methods.includes('elicitation/create')) {
    throw new ToolFailure(`this call needs the user's confirmation ("${question}"), and this client cannot ask for it (it does not support MCP elicitation); nothing was changed; ${hints.noConfirm}`);
  }
  const answer = await ctx.asker.ask(
    'elicitation/create',
    {
      message: question,
      requestedSchema: { type: 'object', properties: { confirm: { type: 'boolean', title: 'Go ahead', default: true } }, required: ['confirm'] },
    },
    ctx.signal,
  );
  // Only an explicit yes is one: an accept with no content (or anything but `confirm: true`) is not.
  const content = answer.content as { confirm?: unknown } | undefined;
  if (answer.action !== 'accept' || content?.confirm !== true) throw new ToolFailure(`the user did not confirm ("${question}"), so nothing was changed`);
}
