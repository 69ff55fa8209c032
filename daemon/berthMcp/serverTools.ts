import { z } from 'zod';
import { compileGrep } from '../logs/grep.js';
import { HealthCheck, LogLine, Phase, Stats, type ServerStatus } from '../protocol/status.js';
import { EnvKey, ImageRef, ServerName } from '../protocol/spec.js';
import { CATALOG, findCatalogEntry } from '../servers/catalog.js';
import type { ServerSupervisor } from '../servers/supervisor.js';
import { parseDuration } from '../servers/units.js';
import { cutNote, firstItems, lastLines, MAX_LINES } from './bounded.js';
import { defineTool, ToolFailure, type ToolRun } from './tool.js';

/** The most servers one listing carries. */
const MAX_SERVERS = 200;
/** The most health checks one answer carries (the newest). */
const MAX_CHECKS = 50;
/** The longest a `follow` waits for new log lines: long enough to catch a restart, short enough for a client's timeout. */
const MAX_FOLLOW_SECONDS = 30;

const Name = z.object({ server_name: ServerName.describe('The server, as `docker_list_servers` names it.') });

/** What a listing says of each server. */
const Summary = z.object({
  name: z.string(),
  host: z.string(),
  server_type: z.string().describe('The catalog entry it was made from, or its image.'),
  image: z.string(),
  phase: Phase,
  message: z.string().optional(),
  tools: z.number().optional().describe('How many tools it offers, while it runs.'),
});

const Status = Summary.extend({
  description: z.string().optional(),
  source: z.string().describe('The spec file that defines it.'),
  container_id: z.string().optional(),
  restart_count: z.number(),
  protocol: z.string().optional(),
  last_check: HealthCheck.optional(),
});

/** The catalog entry a server was made from (its image names it), else its image. */
function serverType(s: ServerStatus): string {
  if (s.kind === 'remote') return `remote ${s.image}`;
  if (s.kind === 'external') return `external command ${s.image}, not isolated`;
  return CATALOG.find((e) => e.spec.image === s.image)?.id ?? s.image;
}

function summary(s: ServerStatus): z.input<typeof Summary> {
  return { name: s.name, host: s.host, server_type: serverType(s), image: s.image, phase: s.phase, message: s.message, tools: s.capabilities?.tools.length };
}

function line(s: z.input<typeof Summary>): string {
  return `${s.name} (${s.server_type} on ${s.host}): ${s.phase}${s.tools === undefined ? '' : `, ${s.tools} tools`}${s.message ? `; ${s.message}` : ''}`;
}

/** The named server, as the spec files are now; on the host the call named, if it named one. */
async function serverOf(name: string, run: ToolRun): Promise<ServerSupervisor> {
  const { registry } = run.deps;
  await registry.sync();
  const sup = registry.get(name);
  if (run.namedHost !== undefined && sup.spec.host !== run.namedHost) {
    throw new ToolFailure(`server "${name}" runs on host "${sup.spec.host}", not "${run.namedHost}"; leave out host or name that one`);
  }
  return sup;
}

function statusResult(sup: ServerSupervisor, lead: string) {
  const s = sup.status();
  const structured: z.input<typeof Status> = {
    ...summary(s),
    description: s.description,
    source: s.source,
    container_id: s.containerId,
    restart_count: s.restartCount,
    protocol: s.protocol?.version,
    last_check: s.health.at(-1),
  };
  return { structured, text: `${lead}${line(structured)}` };
}

const createServer = defineTool({
  name: 'docker_create_server',
  title: 'Create an MCP server',
  description:
    'Adds an MCP server to Berth (written to the user spec file, as `berth add` does) and starts it in its container. `server_type` is a catalog entry (memory, everything, filesystem, sequential-thinking) or an image reference. Volumes are read-only unless `read_only: false`; sensitive host paths are refused.',
  input: z.object({
    server_type: z.string().min(1).max(255).describe('A catalog entry id (`berth catalog`) or an image reference like registry:5000/team/server:1.2.'),
    server_name: ServerName.describe('The name to give it: lowercase letters, digits, ".", "_", "-".'),
    env_vars: z.record(EnvKey, z.string().max(32768)).optional().describe('Environment variables for the container (values are not secret-safe; use `berth secret` for secrets).'),
    volumes: z
      .array(
        z
          .object({
            host_path: z.string().min(1).max(4096).describe('An absolute path on the host.'),
            container_path: z.string().min(1).max(4096).describe('An absolute path in the container.'),
            read_only: z.boolean().default(true),
          })
          .strict(),
      )
      .max(16)
      .optional(),
    limits: z
      .object({
        memory: z.string().max(32).optional().describe('Like 256m or 1g.'),
        cpus: z.string().max(32).optional().describe('Like 0.5 or 2.'),
        pids: z.number().int().min(16).max(65536).optional(),
      })
      .strict()
      .optional(),
    start: z.boolean().default(true).describe('Start it now (builds its image first if needed).'),
  }),
  output: Status,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  async run(a, run) {
    const entry = findCatalogEntry(a.server_type);
    if (!entry && !ImageRef.safeParse(a.server_type).success) {
      throw new ToolFailure(`server_type ${JSON.stringify(a.server_type)} is neither a catalog entry (${CATALOG.map((e) => e.id).join(', ')}) nor a valid image reference like "name:tag"`);
    }
    const { registry } = run.deps;
    await registry.sync();
    const sup = await registry.add(a.server_name, {
      host: run.host,
      ...(entry ? { catalog: entry.id } : { image: a.server_type }),
      env: a.env_vars,
      volumes: a.volumes?.map((v) => ({ source: v.host_path, target: v.container_path, readOnly: v.read_only })),
      limits: a.limits,
    });
    if (!a.start) return statusResult(sup, 'Added, not started: ');
    run.progress(`starting ${a.server_name}`);
    try {
      await sup.start(run.progress);
    } catch (e) {
      throw new ToolFailure(`server "${a.server_name}" was added but did not start: ${(e as Error).message}`);
    }
    return statusResult(sup, 'Created and started: ');
  },
});

const listServers = defineTool({
  name: 'docker_list_servers',
  title: 'List MCP servers',
  description: "Berth's MCP servers with their host, type, phase and tool count; filter by status and server_type (and host).",
  input: z.object({
    status: z.union([Phase, z.enum(['running'])]).optional().describe('A phase, or `running` for any phase of a live container.'),
    server_type: z.string().max(255).optional().describe('A catalog entry id or an image.'),
  }),
  output: z.object({ servers: z.array(Summary), truncated: z.boolean() }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async run(a, run) {
    const { registry } = run.deps;
    await registry.sync();
    const running = new Set(registry.all().filter((s) => s.running).map((s) => s.name));
    const all = registry
      .list()
      .filter((s) => run.namedHost === undefined || s.host === run.namedHost)
      .filter((s) => a.status === undefined || (a.status === 'running' ? running.has(s.name) : s.phase === a.status))
      .map(summary)
      .filter((s) => a.server_type === undefined || s.server_type === a.server_type || s.image === a.server_type);
    const { value, truncated } = firstItems(all, MAX_SERVERS);
    const text = value.length ? value.map(line).join('\n') : 'No servers match.';
    return { structured: { servers: value, truncated }, text: truncated ? `${text}\n${cutNote(`${all.length} servers`, 'filter by status or server_type')}` : text };
  },
});

const getStatus = defineTool({
  name: 'docker_get_server_status',
  title: "A server's status",
  description: 'One server: its phase (and why, when it is not healthy), host, image, container, restarts, protocol and last health check.',
  input: Name,
  output: Status,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  run: async (a, run) => statusResult(await serverOf(a.server_name, run), ''),
});

const getLogs = defineTool({
  name: 'docker_get_logs',
  title: "A server's logs",
  description: `A server's stored log lines (stderr, and Berth's lines about it), newest last. \`grep\` is an RE2 pattern. \`follow\` also waits up to \`follow_seconds\` (at most ${MAX_FOLLOW_SECONDS}) and returns what arrives by then.`,
  input: Name.extend({
    lines: z.number().int().min(1).max(MAX_LINES).default(100),
    since: z.string().max(64).optional().describe('Only newer lines: a duration back from now (10m, 2h) or an ISO time.'),
    grep: z.string().max(1000).optional().describe('An RE2 regular expression (no backreferences or lookaround).'),
    follow: z.boolean().default(false),
    follow_seconds: z.number().min(1).max(MAX_FOLLOW_SECONDS).default(10),
  }),
  output: z.object({ lines: z.array(LogLine), truncated: z.boolean(), followed_seconds: z.number().optional() }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async run(a, run) {
    await serverOf(a.server_name, run);
    const since = a.since === undefined ? undefined : sinceOf(a.since);
    const matches = a.grep === undefined ? undefined : compileGrep(a.grep);
    const stored = await run.deps.logs.query(a.server_name, { since, grep: a.grep });
    let lines = stored;
    let followed: number | undefined;
    if (a.follow) {
      const arrived: LogLine[] = [];
      const started = Date.now();
      await new Promise<void>((resolve) => {
        const follow = run.deps.logs.follow(a.server_name, (l) => {
          if (!matches || matches(l.text)) arrived.push(l);
        });
        const done = () => {
          clearTimeout(timer);
          run.call.signal.removeEventListener('abort', done);
          follow.dispose();
          resolve();
        };
        const timer = setTimeout(done, a.follow_seconds * 1000);
        run.call.signal.addEventListener('abort', done);
      });
      followed = Math.round((Date.now() - started) / 100) / 10;
      lines = [...stored, ...arrived];
    }
    const bounded = lastLines(lines.map((l) => l.text));
    const kept = lines.slice(-Math.min(a.lines, bounded.value.length));
    const truncated = kept.length < lines.length;
    const body = kept.map((l) => `${new Date(l.t).toISOString()} ${l.stream}: ${l.text}`).join('\n') || 'No log lines match.';
    const note = truncated ? `\n${cutNote(`${lines.length} lines`, 'ask for fewer with lines, since or grep')}` : '';
    return { structured: { lines: kept, truncated, followed_seconds: followed }, text: `${body}${note}` };
  },
});

/** `since` as ms since the epoch: a duration back from now, or a time. */
function sinceOf(text: string): number {
  const t = Date.parse(text);
  if (!Number.isNaN(t) && /^\d{4}-/.test(text)) return t;
  try {
    return Date.now() - parseDuration(text);
  } catch {
    throw new ToolFailure(`since ${JSON.stringify(text)} is neither a duration (like 10m or 2h) nor an ISO time (like 2026-01-31T12:00:00Z)`);
  }
}

const startServer = defineTool({
  name: 'docker_start_server',
  title: 'Start a server',
  description: 'Starts a stopped server (building its image first if needed) and waits until it answers MCP. Does nothing to one already running.',
  input: Name,
  output: Status,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  async run(a, run) {
    const sup = await serverOf(a.server_name, run);
    await sup.start(run.progress);
    return statusResult(sup, 'Started: ');
  },
});

const stopServer = defineTool({
  name: 'docker_stop_server',
  title: 'Stop a server',
  description: "Stops a server's container; its clients lose it until it is started again. It stays stopped across daemon restarts.",
  input: Name,
  output: Status,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  confirm: (a, host) => `Stop the MCP server "${a.server_name}" (host ${host})? Its clients lose it until it is started again.`,
  precheck: async (a, run) => void (await serverOf(a.server_name, run)),
  async run(a, run) {
    const sup = await serverOf(a.server_name, run);
    await sup.stop();
    return statusResult(sup, 'Stopped: ');
  },
});

const restartServer = defineTool({
  name: 'docker_restart_server',
  title: 'Restart a server',
  description: "Stops and starts a server's container; calls in flight fail and clients reconnect.",
  input: Name,
  output: Status,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false },
  confirm: (a, host) => `Restart the MCP server "${a.server_name}" (host ${host})? Calls in flight will fail.`,
  precheck: async (a, run) => void (await serverOf(a.server_name, run)),
  async run(a, run) {
    const sup = await serverOf(a.server_name, run);
    await sup.restart(run.progress);
    return statusResult(sup, 'Restarted: ');
  },
});

const removeServer = defineTool({
  name: 'docker_remove_server',
  title: 'Remove a server',
  description: 'Stops a server, removes its container and its logs, and deletes it from the user spec file (as `berth rm`). Servers a workspace file defines are removed there.',
  input: Name,
  output: z.object({ removed: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false },
  confirm: (a, host) => `Remove the MCP server "${a.server_name}" (host ${host})? Its container, its logs and its entry in your spec file go.`,
  precheck: async (a, run) => void (await serverOf(a.server_name, run)),
  async run(a, run) {
    await serverOf(a.server_name, run);
    await run.deps.registry.remove(a.server_name);
    return { structured: { removed: a.server_name }, text: `Removed ${a.server_name}.` };
  },
});

/** A running server's capabilities, or the sentence saying it has none yet. */
function capabilitiesOf(sup: ServerSupervisor) {
  if (!sup.capabilities) throw new ToolFailure(`server "${sup.name}" is ${sup.phase}; its tools are known once it runs (docker_start_server)`);
  return sup.capabilities;
}

const ToolInfo = z.object({
  name: z.string(),
  title: z.string().optional(),
  description: z.string().optional(),
  read_only: z.boolean().optional(),
  destructive: z.boolean().optional(),
});

const getTools = defineTool({
  name: 'docker_get_server_tools',
  title: "A server's tools",
  description: 'The tools a running server offers (after its tool policy), with their descriptions and read-only/destructive hints.',
  input: Name,
  output: z.object({ tools: z.array(ToolInfo), truncated: z.boolean() }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async run(a, run) {
    const caps = capabilitiesOf(await serverOf(a.server_name, run));
    const all = caps.tools.map((t) => {
      const ann = (t.annotations ?? {}) as { readOnlyHint?: unknown; destructiveHint?: unknown };
      return {
        name: t.name,
        title: typeof t.title === 'string' ? t.title : undefined,
        description: t.description?.slice(0, 500),
        read_only: typeof ann.readOnlyHint === 'boolean' ? ann.readOnlyHint : undefined,
        destructive: typeof ann.destructiveHint === 'boolean' ? ann.destructiveHint : undefined,
      };
    });
    const { value, truncated } = firstItems(all, 200);
    const text = value.map((t) => `${t.name}${t.read_only ? ' (read-only)' : ''}: ${t.description?.split('\n')[0] ?? ''}`).join('\n') || `${a.server_name} offers no tools.`;
    return { structured: { tools: value, truncated }, text: truncated ? `${text}\n${cutNote(`${all.length} tools`, 'the first 200 are listed')}` : text };
  },
});

const getStats = defineTool({
  name: 'docker_get_server_stats',
  title: "A server's resource use",
  description: "A running server's CPU, memory (and its limit), network and process count, from the engine's latest sample.",
  input: Name,
  output: Stats.extend({ name: z.string() }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async run(a, run) {
    const sup = await serverOf(a.server_name, run);
    const s = sup.stats;
    if (!s) throw new ToolFailure(`server "${a.server_name}" is ${sup.phase} and has no stats yet; they come a few seconds after it starts`);
    const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
    return {
      structured: { name: a.server_name, ...s },
      text: `${a.server_name}: CPU ${s.cpuPercent.toFixed(1)}%, memory ${mib(s.memoryBytes)} of ${mib(s.memoryLimitBytes)}, ${s.pids} processes, network in ${mib(s.networkRxBytes)} out ${mib(s.networkTxBytes)}`,
    };
  },
});

const getHealth = defineTool({
  name: 'docker_get_server_health',
  title: "A server's health",
  description: `A server's MCP-level health: its phase, why it is not healthy (when it is not), its restarts, and its latest health checks (ping round trips, at most ${MAX_CHECKS}).`,
  input: Name,
  output: z.object({ name: z.string(), phase: Phase, healthy: z.boolean(), message: z.string().optional(), restart_count: z.number(), checks: z.array(HealthCheck), truncated: z.boolean() }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async run(a, run) {
    const s = (await serverOf(a.server_name, run)).status();
    const checks = s.health.slice(-MAX_CHECKS);
    const failures = checks.filter((c) => !c.ok);
    const latest = failures.at(-1);
    const text = `${s.name} is ${s.phase}${s.message ? ` (${s.message})` : ''}; ${s.restartCount} restarts; last ${checks.length} checks: ${checks.length - failures.length} ok, ${failures.length} failed${latest ? ` (latest failure: ${latest.error ?? 'no answer'})` : ''}`;
    return {
      structured: { name: s.name, phase: s.phase, healthy: s.phase === 'healthy', message: s.message, restart_count: s.restartCount, checks, truncated: checks.length < s.health.length },
      text,
    };
  },
});

/** Berth's MCP servers: create, list, inspect, start, stop, restart, remove, logs, tools, stats and health. */
export const serverTools = [createServer, listServers, getStatus, getLogs, startServer, stopServer, restartServer, removeServer, getTools, getStats, getHealth];
