// How a command handler `(node?, nodes?)` finds what to act on. VS Code passes the clicked row
// and, for a multi-selection, every selected row; from the palette it passes nothing (or, from
// a keybinding, whatever the keybinding says). Pure, so it is unit-tested.
import { ServerName } from '../../daemon/protocol/spec.js';
import type { ServerStatus } from '../../daemon/protocol/status.js';
import { isBerthNode, serverOf, type BerthNode } from '../tree/nodes.js';

/**
 * The server names a command targets from its arguments, or undefined when the command must ask
 * (palette). A multi-selection that includes the clicked row wins; a right-click outside the
 * selection acts on the clicked row only, as in VS Code's own explorer.
 */
export function serverNamesFromArgs(node: unknown, nodes: unknown): string[] | undefined {
  if (typeof node === 'string' && node.length > 0) return [node];
  if (!isBerthNode(node)) return undefined;
  const selection = Array.isArray(nodes) ? nodes.filter(isBerthNode) : [];
  const picked = selection.length > 1 && selection.some((n) => sameNode(n, node)) ? selection : [node];
  const names: string[] = [];
  for (const n of picked) {
    const hostServers = n.kind === 'host' ? n.servers : [];
    for (const s of [serverOf(n), ...hostServers]) if (s && !names.includes(s.name)) names.push(s.name);
  }
  return names;
}

function sameNode(a: BerthNode, b: BerthNode): boolean {
  if (a === b) return true;
  const sa = serverOf(a);
  const sb = serverOf(b);
  return a.kind === b.kind && sa !== undefined && sa.name === sb?.name;
}

/** Which servers a verb may act on, so the palette offers only sensible choices. */
export function eligible(servers: readonly ServerStatus[], want: (s: ServerStatus) => boolean): ServerStatus[] {
  return servers.filter(want).sort((a, b) => a.name.localeCompare(b.name));
}

/** Splits targets into ones the verb applies to and ones it skips (e.g. "stop" on a stopped server). */
export function partition(names: readonly string[], servers: readonly ServerStatus[], want: (s: ServerStatus) => boolean): { act: string[]; skip: string[]; unknown: string[] } {
  const byName = new Map(servers.map((s) => [s.name, s]));
  const act: string[] = [];
  const skip: string[] = [];
  const unknown: string[] = [];
  for (const n of names) {
    const s = byName.get(n);
    if (!s) unknown.push(n);
    else if (want(s)) act.push(n);
    else skip.push(n);
  }
  return { act, skip, unknown };
}

/** A name for a new server that is not taken: the entry id, else id-2, id-3, … */
export function freeName(base: string, taken: readonly string[]): string {
  const clean = base.toLowerCase().replace(/[^a-z0-9_.-]+/g, '-').replace(/^[^a-z0-9]+/, '').slice(0, 60) || 'server';
  if (!taken.includes(clean)) return clean;
  for (let i = 2; ; i++) if (!taken.includes(`${clean}-${i}`)) return `${clean}-${i}`;
}

/** The input box's check for a new server's name; undefined when it is fine. */
export function nameProblem(value: string, taken: readonly string[]): string | undefined {
  const parsed = ServerName.safeParse(value);
  if (!parsed.success) return `The name ${parsed.error.issues[0]?.message ?? 'is not valid'}.`;
  if (taken.includes(value)) return `There is already a server named ${value}.`;
  return undefined;
}
