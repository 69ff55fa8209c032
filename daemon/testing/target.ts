import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { CallToolResult } from '@modelcontextprotocol/client';
import type { ContainerRuntime } from '../hosts/runtime.js';
import type { AuditLog } from '../logs/audit.js';
import type { LogStore } from '../logs/store.js';
import type { SecurityContext } from '../policy/context.js';
import { NotFoundError } from '../protocol/errors.js';
import { LOCAL_HOST } from '../protocol/hosts.js';
import type { McpTestFile } from '../protocol/mcptest.js';
import { ServerSpecInput, type ServerSpec } from '../protocol/spec.js';
import type { Capabilities } from '../protocol/status.js';
import type { Registry } from '../servers/registry.js';
import { resolveSpec } from '../servers/specFiles.js';
import type { ServerSupervisor } from '../servers/supervisor.js';

export interface TargetDeps {
  rt: ContainerRuntime;
  registry: Registry;
  logs: LogStore;
  audit: AuditLog;
  instance: string;
  security?: SecurityContext;
}

/** The server a file's steps run against: a Berth server as it runs, or a throwaway one. */
export interface TestTarget {
  host: string;
  callTool(tool: string, args: Record<string, unknown> | undefined, signal: AbortSignal): Promise<CallToolResult>;
  capabilities(): Capabilities;
  /**
   * Sends `tools/list` (`prompts/list`, `resources/list`) to the server now, every page, and leaves
   * out what the tool policy hides from clients: a list step measures and checks a real answer.
   */
  list(what: ListWhat, signal: AbortSignal): Promise<ListItem[]>;
  /** What the server offers before Berth's tool policy and pinning: what its snapshot records. */
  offered(): Capabilities;
  dispose(): Promise<void>;
}

const CLIENT = 'berth-test';

export type ListWhat = 'tools' | 'prompts' | 'resources';
const ListItem = z.object({ name: z.string().optional(), uri: z.string().optional() }).passthrough();
export type ListItem = z.infer<typeof ListItem>;
const ListPage = z.object({ nextCursor: z.string().optional() }).passthrough();
/** A server that pages on and on is cut off here rather than looped on forever. */
const MAX_PAGES = 100;

async function listNow(sup: ServerSupervisor, what: ListWhat, signal: AbortSignal): Promise<ListItem[]> {
  const items: ListItem[] = [];
  let cursor: string | undefined;
  for (let n = 0; n < MAX_PAGES; n++) {
    const page = ListPage.parse(await sup.request(`${what}/list`, cursor === undefined ? undefined : { cursor }, { client: CLIENT, signal }));
    items.push(...z.array(ListItem).parse(page[what] ?? []));
    cursor = page.nextCursor;
    if (cursor === undefined) break;
  }
  if (cursor !== undefined) throw new Error(`server ${sup.name} answered ${what}/list with more than ${MAX_PAGES} pages`);
  // What the tool policy and pinning withhold from clients stays hidden here too.
  const key = (i: ListItem) => i.uri ?? i.name ?? '';
  const shown = new Set(known(sup, sup.capabilities)[what].map(key));
  const hidden = new Set(known(sup, sup.offeredCapabilities)[what].map(key).filter((k) => !shown.has(k)));
  return items.filter((i) => !hidden.has(key(i)));
}

export function runtimeFor(deps: TargetDeps, host: string): ContainerRuntime {
  if (host !== LOCAL_HOST && !deps.registry.hosts.names().includes(host)) throw new NotFoundError(`there is no host named "${host}"; \`berth host ls\` lists them`);
  return host === LOCAL_HOST ? deps.rt : deps.registry.hosts.runtime(host);
}

/** The host a file runs on when neither it nor the run names one: its server's, or local. */
export function defaultHost(deps: TargetDeps, file: McpTestFile): string {
  if (/^(image|catalog):/.test(file.server)) return LOCAL_HOST;
  return deps.registry.has(file.server) ? deps.registry.get(file.server).spec.host : LOCAL_HOST;
}

function fromSupervisor(sup: ServerSupervisor, dispose: () => Promise<void>): TestTarget {
  return {
    host: sup.spec.host,
    callTool: (tool, args, signal) => sup.callTool(tool, args, { client: CLIENT, signal }),
    capabilities: () => known(sup, sup.capabilities),
    list: (what, signal) => listNow(sup, what, signal),
    offered: () => known(sup, sup.offeredCapabilities),
    dispose,
  };
}

function known(sup: ServerSupervisor, caps: Capabilities | undefined): Capabilities {
  if (!caps) throw new Error(`server ${sup.name} is ${sup.phase}; its tools are not known`);
  return caps;
}

/** The Berth server itself, started if it is not running (as `berth start` would). */
export async function runningTarget(deps: TargetDeps, file: McpTestFile, host: string, progress: (line: string) => void): Promise<TestTarget> {
  await deps.registry.sync();
  const sup = deps.registry.get(file.server);
  if (sup.spec.host !== host) throw new Error(`server ${file.server} runs on host ${sup.spec.host}, not ${host}; use fresh: per-file to test a throwaway copy there`);
  if (!sup.running) await sup.start(progress);
  return fromSupervisor(sup, async () => undefined);
}

/** A throwaway server for one file or case (Registry.throwaway), labelled with the run's id; removed when done. */
export async function throwawayTarget(deps: TargetDeps, file: McpTestFile, source: string, host: string, runId: string, progress: (line: string) => void, candidate?: ServerSpec): Promise<TestTarget> {
  const name = `test-${runId}-${randomBytes(3).toString('hex')}`;
  const { sup, dispose } = deps.registry.throwaway(await throwawaySpec(deps, file, source, host, name, candidate), runId);
  try {
    await sup.start(progress);
  } catch (e) {
    await dispose().catch(() => undefined);
    throw e;
  }
  return fromSupervisor(sup, dispose);
}

/** `candidate` stands in for the server's own spec (an update's new version). */
async function throwawaySpec(deps: TargetDeps, file: McpTestFile, source: string, host: string, name: string, candidate?: ServerSpec): Promise<ServerSpec> {
  const [, kind, ref] = /^(image|catalog):(.+)$/.exec(file.server) ?? [];
  let spec: ServerSpec;
  if (kind) {
    const input = ServerSpecInput.parse({ [kind]: ref, host, ...(file.args ? { args: file.args } : {}), ...(file.env ? { env: file.env } : {}) });
    const resolved = resolveSpec(name, input, source);
    if ('error' in resolved) throw new Error(resolved.error.replace(`servers.${name}`, `server ${file.server}`));
    spec = resolved.spec;
  } else {
    await deps.registry.sync();
    const own = candidate ?? deps.registry.get(file.server).spec;
    spec = { ...own, name, host, args: file.args ?? own.args, env: { ...own.env, ...file.env } };
  }
  // An egress proxy is keyed by server name and adopted like a server's; a throwaway gets no network at all instead.
  if (typeof spec.network === 'object') throw new Error(`server ${file.server} reaches the network through an egress allowlist, which a throwaway copy cannot have; use fresh: none to test the running server`);
  return spec;
}
