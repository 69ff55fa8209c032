// The Servers and Catalog trees as plain data: what each row says and which menus apply. No
// `vscode` import, so the mapping is unit-tested without an editor.
import type { CatalogItem } from '../../daemon/protocol/catalog.js';
import type { Phase, ServerStatus } from '../../daemon/protocol/status.js';
import { describeProvenance, formatBytes } from '../../daemon/client/format.js';
import { markdownText } from '../untrustedText.js';

/** An entry of any catalog (built-in or added), as `catalog/search` gives it. */
export type CatalogEntry = CatalogItem;
type Caps = NonNullable<ServerStatus['capabilities']>;
export type ToolInfo = Caps['tools'][number];
export type GroupKind = 'tools' | 'prompts' | 'resources';

export type BerthNode =
  | { kind: 'host'; host: string; servers: ServerStatus[] }
  | { kind: 'server'; server: ServerStatus }
  | { kind: 'group'; server: ServerStatus; group: GroupKind }
  | { kind: 'tool'; server: ServerStatus; tool: ToolInfo }
  | { kind: 'prompt'; server: ServerStatus; prompt: Caps['prompts'][number] }
  | { kind: 'resource'; server: ServerStatus; resource: Caps['resources'][number] }
  | { kind: 'catalog'; entry: CatalogEntry };

const KINDS = new Set(['host', 'server', 'group', 'tool', 'prompt', 'resource', 'catalog']);

/** Command arguments arrive untyped (palette, keybindings, other extensions); only our nodes count. */
export function isBerthNode(value: unknown): value is BerthNode {
  return typeof value === 'object' && value !== null && KINDS.has(String((value as { kind?: unknown }).kind));
}

/** Phases in which a container exists and is (or is about to be) serving. */
const RUNNING: ReadonlySet<Phase> = new Set(['creating', 'starting', 'healthy', 'unhealthy']);
export const isRunning = (s: Pick<ServerStatus, 'phase'>): boolean => RUNNING.has(s.phase);

export function hostLabel(host: string): string {
  return host === 'local' ? 'Local engine' : host;
}

/** Hosts in a stable order (local first), each with its servers sorted by name. */
export function groupByHost(servers: readonly ServerStatus[]): Extract<BerthNode, { kind: 'host' }>[] {
  const byHost = new Map<string, ServerStatus[]>();
  for (const s of servers) byHost.set(s.host, [...(byHost.get(s.host) ?? []), s]);
  return [...byHost.entries()]
    .sort(([a], [b]) => (a === 'local' ? -1 : b === 'local' ? 1 : a.localeCompare(b)))
    .map(([host, list]) => ({ kind: 'host' as const, host, servers: [...list].sort((a, b) => a.name.localeCompare(b.name)) }));
}

export function childrenOf(node: BerthNode): BerthNode[] {
  switch (node.kind) {
    case 'host':
      return node.servers.map((server) => ({ kind: 'server', server }));
    case 'server': {
      const caps = node.server.capabilities;
      if (!caps) return [];
      const groups: GroupKind[] = ['tools', 'prompts', 'resources'];
      return groups.filter((g) => caps[g].length > 0).map((group) => ({ kind: 'group', server: node.server, group }));
    }
    case 'group': {
      const caps = node.server.capabilities;
      if (!caps) return [];
      const server = node.server;
      if (node.group === 'tools') return caps.tools.map((tool) => ({ kind: 'tool', server, tool }));
      if (node.group === 'prompts') return caps.prompts.map((prompt) => ({ kind: 'prompt', server, prompt }));
      return caps.resources.map((resource) => ({ kind: 'resource', server, resource }));
    }
    default:
      return [];
  }
}

/** The server a node belongs to, if any: commands on a tool row act on its server. */
export function serverOf(node: BerthNode): ServerStatus | undefined {
  return node.kind === 'host' || node.kind === 'catalog' ? undefined : node.server;
}

/** A stable id, so VS Code keeps expansion and selection across refreshes. */
export function nodeId(node: BerthNode): string {
  switch (node.kind) {
    case 'host':
      return `host:${node.host}`;
    case 'server':
      return `server:${node.server.host}/${node.server.name}`;
    case 'group':
      return `group:${node.server.host}/${node.server.name}/${node.group}`;
    case 'tool':
      return `tool:${node.server.host}/${node.server.name}/${node.tool.name}`;
    case 'prompt':
      return `prompt:${node.server.host}/${node.server.name}/${node.prompt.name}`;
    case 'resource':
      return `resource:${node.server.host}/${node.server.name}/${node.resource.uri}`;
    case 'catalog':
      return `catalog:${node.entry.catalog}/${node.entry.id}`;
  }
}

/**
 * `contextValue` tokens that package.json menus match with regexes, e.g. `viewItem =~ /^server;.*;running;/`.
 * Each token ends with ";" so `;local;` never matches inside a longer word.
 */
export function contextValue(node: BerthNode): string {
  switch (node.kind) {
    case 'host':
      return `host;${node.host === 'local' ? 'local' : 'remote'};`;
    case 'server':
      // A workspace server that may not run is neither running nor stopped to the menus: only its approval applies.
      if (node.server.approval) return `server;${node.server.approval.state === 'refused' ? 'refused' : 'needsApproval'};approval;${node.server.host === 'local' ? 'local' : 'remote'};`;
      return `server;${node.server.phase};${isRunning(node.server) ? 'running' : 'stopped'};${node.server.host === 'local' ? 'local' : 'remote'};${node.server.kind ?? 'container'};${node.server.update ? 'update;' : ''}`;
    case 'group':
      return `group;${node.group};`;
    case 'tool':
      return `tool;${isRunning(node.server) ? 'running' : 'stopped'};`;
    case 'prompt':
      return 'prompt;';
    case 'resource':
      return 'resource;';
    case 'catalog':
      // Add takes built-in entries (it knows their required folder); Install takes any entry Berth can run.
      return `catalogEntry;${node.entry.catalog === 'built-in' ? 'builtIn' : 'added'};${node.entry.unrunnable ? 'unrunnable' : 'installable'};`;
  }
}

export interface IconSpec {
  /** A codicon id, e.g. "pass-filled" or "loading~spin". */
  id: string;
  /** A theme color id, so the icon follows the user's theme. */
  color?: string;
}

const PHASE_ICONS: Record<Phase, IconSpec> = {
  creating: { id: 'loading~spin' },
  starting: { id: 'loading~spin' },
  healthy: { id: 'pass-filled', color: 'testing.iconPassed' },
  unhealthy: { id: 'warning', color: 'list.warningForeground' },
  stopped: { id: 'circle-large-outline', color: 'disabledForeground' },
  exited: { id: 'circle-slash', color: 'list.warningForeground' },
  'oom-killed': { id: 'error', color: 'list.errorForeground' },
  error: { id: 'error', color: 'list.errorForeground' },
};

export function iconOf(node: BerthNode): IconSpec {
  switch (node.kind) {
    case 'host':
      return { id: node.host === 'local' ? 'vm' : 'remote' };
    case 'server':
      if (node.server.approval) return node.server.approval.state === 'refused' ? { id: 'circle-slash', color: 'list.errorForeground' } : { id: 'shield', color: 'list.warningForeground' };
      return PHASE_ICONS[node.server.phase];
    case 'group':
      return { id: node.group === 'tools' ? 'tools' : node.group === 'prompts' ? 'comment-discussion' : 'file-symlink-file' };
    case 'tool':
      return { id: 'symbol-method' };
    case 'prompt':
      return { id: 'comment' };
    case 'resource':
      return { id: 'file' };
    case 'catalog':
      return { id: 'package' };
  }
}

export function labelOf(node: BerthNode): string {
  switch (node.kind) {
    case 'host':
      return hostLabel(node.host);
    case 'server':
      return node.server.name;
    case 'group': {
      const n = node.server.capabilities?.[node.group].length ?? 0;
      return `${node.group[0]?.toUpperCase()}${node.group.slice(1)} (${n})`;
    }
    case 'tool':
      return node.tool.name;
    case 'prompt':
      return node.prompt.name;
    case 'resource':
      return node.resource.name || node.resource.uri;
    case 'catalog':
      return node.entry.id;
  }
}

/** The grey text after the label: phase and live usage for servers, a short summary otherwise. */
export function descriptionOf(node: BerthNode): string {
  switch (node.kind) {
    case 'host': {
      const running = node.servers.filter(isRunning).length;
      return `${running}/${node.servers.length} running`;
    }
    case 'server': {
      const s = node.server;
      // Flagged before anything else: what is not a container of Berth's must never pass for one.
      const parts: string[] = [...(s.kind === 'remote' ? ['remote'] : s.kind === 'external' ? ['not isolated'] : []), approvalLabel(s) ?? s.phase];
      if (s.stats && isRunning(s)) parts.push(`${s.stats.cpuPercent.toFixed(1)}% CPU`, formatBytes(s.stats.memoryBytes));
      if (s.crashLoop) parts.push('crash loop');
      if (s.restartCount > 0) parts.push(`${s.restartCount} restart${s.restartCount === 1 ? '' : 's'}`);
      // The badge: an update the daemon's last check found, newest version shown.
      if (s.update) parts.push(`↑ ${s.update.available}`);
      return parts.join(' · ');
    }
    case 'group':
      return '';
    case 'tool':
      return firstLine(node.tool.description);
    case 'prompt':
      return firstLine(node.prompt.description);
    case 'resource':
      return node.resource.name ? node.resource.uri : '';
    case 'catalog':
      return node.entry.unrunnable ? `cannot run · ${node.entry.catalog}` : `${firstLine(node.entry.description)} · ${node.entry.catalog}`;
  }
}

/** What a workspace server waits for, in the tree's words; undefined when it may run. */
export function approvalLabel(s: Pick<ServerStatus, 'approval'>): string | undefined {
  if (!s.approval) return undefined;
  return s.approval.state === 'refused' ? 'refused (asks for what no workspace may have)' : `needs approval: ${s.approval.asks?.join('; ') ?? ''}`;
}

function firstLine(s: string | undefined): string {
  return (s ?? '').split('\n')[0] ?? '';
}

/** Markdown escaping for the hovers: one rule for all untrusted text (untrustedText.ts). */
export const mdEscape = markdownText;

/** Markdown for the hover: everything a user checks before opening logs. */
export function tooltipOf(node: BerthNode): string {
  switch (node.kind) {
    case 'server':
      return serverTooltip(node.server);
    case 'tool':
      return [`**${mdEscape(node.tool.name)}**`, node.tool.description ? mdEscape(node.tool.description) : ''].filter(Boolean).join('\n\n');
    case 'catalog':
      return [
        `**${mdEscape(node.entry.id)}** (catalog ${mdEscape(node.entry.catalog)})`,
        mdEscape(node.entry.description),
        `Source: ${mdEscape(node.entry.source)}`,
        node.entry.unrunnable ? `Berth cannot run it: ${mdEscape(node.entry.unrunnable)}` : '',
        node.entry.secrets.length ? `Secrets: ${mdEscape(node.entry.secrets.join(', '))}` : '',
      ]
        .filter(Boolean)
        .join('\n\n');
    default:
      return mdEscape(`${labelOf(node)} ${descriptionOf(node)}`.trim());
  }
}

/** What a server may reach, in words: `none`, `bridge`, or its allowlist. */
export function networkLabel(network: NonNullable<ServerStatus['network']>): string {
  return typeof network === 'string' ? network : `egress only to ${network.allow.join(', ')}`;
}

export function serverTooltip(s: ServerStatus, now = Date.now()): string {
  const rows: [string, string][] = [
    ['Phase', s.phase],
    ['Host', hostLabel(s.host)],
    s.kind === 'remote' ? ['Remote', `\`${s.image}\` (hosted elsewhere, not a container)`] : s.kind === 'external' ? ['Command', `\`${s.image}\` $(warning) runs on this machine, not isolated`] : ['Image', `\`${s.image}\``],
  ];
  if (s.provenance && s.kind === undefined) rows.push(['Built from', mdEscape(describeProvenance(s.provenance))]);
  if (s.imageDigest) rows.push(['Digest', `\`${s.imageDigest.slice(0, 19)}\``]);
  if (s.containerId) rows.push(['Container', `\`${s.containerId.slice(0, 12)}\``]);
  if (s.network) rows.push(['Network', mdEscape(networkLabel(s.network))]);
  rows.push(['Restarts', String(s.restartCount)]);
  if (s.stats && isRunning(s)) {
    rows.push(['CPU', `${s.stats.cpuPercent.toFixed(1)}%`], ['Memory', `${formatBytes(s.stats.memoryBytes)} of ${formatBytes(s.stats.memoryLimitBytes)}`]);
  }
  if (s.protocol) rows.push(['MCP', `${s.protocol.version} (${s.protocol.era === 'modern' ? 'discover' : 'initialize'})`]);
  if (s.capabilities) rows.push(['Offers', `${s.capabilities.tools.length} tools, ${s.capabilities.prompts.length} prompts, ${s.capabilities.resources.length} resources`]);
  if (s.update) rows.push(['Update', `${mdEscape(s.update.current)} → ${mdEscape(s.update.available)} (${s.update.change})`]);
  // A path is the user's or a repository's to name: escaped, never a code span a backtick could end.
  rows.push(['Spec', mdEscape(s.source)]);
  const lines = [`**${mdEscape(s.name)}**${s.description ? ` — ${mdEscape(s.description)}` : ''}`, '', ...rows.map(([k, v]) => `${k}: ${v}  `)];
  if (s.approval) {
    lines.push('', `$(shield) ${mdEscape(s.approval.reason)}`);
    if (s.approval.asks?.length) lines.push('', 'It asks for:', '', ...s.approval.asks.map((a) => `- ${mdEscape(a)}`));
  }
  if (s.message) lines.push('', `$(warning) ${mdEscape(s.message)}`);
  const checks = s.health.slice(-5);
  if (checks.length) {
    lines.push('', 'Health checks (newest last):  ');
    for (const c of checks) {
      const ago = Math.max(0, Math.round((now - c.t) / 1000));
      lines.push(`${c.ok ? '$(check)' : '$(x)'} ${ago}s ago${c.ms !== undefined ? `, ${Math.round(c.ms)} ms` : ''}${c.error ? ` — ${mdEscape(c.error)}` : ''}  `);
    }
  }
  return lines.join('\n');
}
