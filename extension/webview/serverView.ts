// A server's status as the Server Details panel shows it. No `vscode` import, so it is
// unit-tested; the browser script only places these strings.
import { formatBytes } from '../../daemon/client/format.js';
import type { ServerStatus } from '../../daemon/protocol/status.js';
import { hostLabel, iconOf, isRunning, networkLabel } from '../tree/nodes.js';
import type { Fact, ServerView } from './messages.js';

/** How many health checks the panel lists. */
const HEALTH_SHOWN = 10;

export function serverView(s: ServerStatus, clock: (t: number) => string = (t) => new Date(t).toLocaleTimeString()): ServerView {
  const running = isRunning(s);
  const runs: Fact =
    s.kind === 'remote'
      ? { label: 'Remote', value: `${s.image} (hosted elsewhere, not a container)` }
      : s.kind === 'external'
        ? { label: 'Command', value: `${s.image} (runs on this machine, not isolated)` }
        : { label: 'Image', value: s.image };
  const container: Fact[] = [{ label: 'Host', value: hostLabel(s.host) }, runs];
  if (s.imageDigest) container.push({ label: 'Digest', value: s.imageDigest });
  container.push({ label: 'Container', value: s.containerId?.slice(0, 12) ?? 'none' }, { label: 'Restarts', value: String(s.restartCount) });
  if (s.network) container.push({ label: 'Network', value: networkLabel(s.network) });
  const info = s.capabilities?.serverInfo;
  if (info) container.push({ label: 'MCP server', value: `${info.name} ${info.version}` });
  container.push({ label: 'Spec file', value: s.source });

  const st = s.stats;
  const usage: Fact[] | undefined =
    st && running
      ? [
          { label: 'CPU', value: `${st.cpuPercent.toFixed(1)}%` },
          { label: 'Memory', value: `${formatBytes(st.memoryBytes)} of ${formatBytes(st.memoryLimitBytes)}` },
          { label: 'Network', value: `${formatBytes(st.networkRxBytes)} in, ${formatBytes(st.networkTxBytes)} out` },
          { label: 'Processes', value: String(st.pids) },
        ]
      : undefined;

  const caps = s.capabilities;
  return {
    name: s.name,
    description: s.description,
    phase: s.phase,
    icon: iconOf({ kind: 'server', server: s }),
    message: s.message,
    running,
    container,
    usage,
    health: s.health
      .slice(-HEALTH_SHOWN)
      .reverse()
      .map((c) => ({ ok: c.ok, at: clock(c.t), took: c.ms === undefined ? '' : `${Math.round(c.ms)} ms`, error: c.error ?? '' })),
    offers: caps && {
      tools: caps.tools.map((t) => ({ name: t.name, description: t.description ?? '', readOnly: readOnlyHint(t.annotations) })),
      prompts: caps.prompts.map((p) => ({ name: p.name, description: p.description ?? '' })),
      resources: caps.resources.map((r) => ({ name: r.name, uri: r.uri, description: r.description ?? '' })),
    },
  };
}

/** MCP's `annotations.readOnlyHint`; tool definitions pass through from the server untyped. */
function readOnlyHint(annotations: unknown): boolean {
  return typeof annotations === 'object' && annotations !== null && (annotations as { readOnlyHint?: unknown }).readOnlyHint === true;
}
