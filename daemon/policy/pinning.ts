import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writePrivateFile } from '../atomicFile.js';
import { canonicalJson } from '../protocol/canonicalJson.js';
import { ConflictError, NotFoundError } from '../protocol/errors.js';
import { printable } from '../protocol/printable.js';

/** The parts of a tool definition that are pinned: what a model reads and what it may send. */
export interface PinnableTool {
  name: string;
  description?: string;
  inputSchema?: unknown;
  annotations?: unknown;
}

const Pinned = z.object({ hash: z.string(), definition: z.object({ name: z.string() }).passthrough() });
const PinFile = z.object({ version: z.literal(1), servers: z.record(z.string(), z.record(z.string(), Pinned)) });
type PinFile = z.infer<typeof PinFile>;

export interface ToolChange {
  tool: string;
  before: PinnableTool;
  after: PinnableTool;
}

export interface PinComparison {
  /** Names of tools offered as they were pinned (or pinned just now, the first time). */
  approved: string[];
  /** Offered with a different definition than pinned: withheld until approved. */
  changed: ToolChange[];
  /** Offered but never pinned (the server already had pins): withheld until approved. */
  added: PinnableTool[];
  /** Pinned but no longer offered. */
  removed: PinnableTool[];
}

export function pinnedPart(t: PinnableTool): PinnableTool {
  return { name: t.name, description: t.description, inputSchema: t.inputSchema, annotations: t.annotations };
}

export function toolHash(t: PinnableTool): string {
  return createHash('sha256').update(canonicalJson(pinnedPart(t))).digest('hex');
}

/**
 * Tool pins per server, in `tool-pins.json` (0600) in Berth's state folder. The first time a
 * server's tools are seen they are pinned as they are; afterwards a tool whose definition changed,
 * or a tool that appeared, is withheld until the user approves it (a server that rewrites a
 * description after it was trusted is the "rug pull" this guards against).
 */
export class PinStore {
  private data: PinFile;
  /** What each server offered at its last comparison, for `approve` and the diff. */
  private lastSeen = new Map<string, PinnableTool[]>();
  readonly file: string;

  constructor(stateDir: string) {
    this.file = path.join(stateDir, 'tool-pins.json');
    this.data = this.load();
  }

  private load(): PinFile {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, servers: {} };
      throw e;
    }
    const parsed = PinFile.safeParse(JSON.parse(text));
    // A damaged pin file must not silently approve everything: refuse to go on with it.
    if (!parsed.success) throw new Error(`${this.file} is not a valid tool-pin file (${parsed.error.issues[0]?.message}); fix or remove it`);
    return parsed.data;
  }

  private save(): void {
    writePrivateFile(this.file, `${JSON.stringify(this.data, null, 2)}\n`);
  }

  has(server: string): boolean {
    return this.data.servers[server] !== undefined;
  }

  /**
   * Compares what a server offers with its pins; pins everything the first time, and with
   * `trustAdded` (the rest of that first session) the tools it adds too.
   */
  compare(server: string, tools: PinnableTool[], trustAdded = false): PinComparison {
    const current = tools.map(pinnedPart);
    this.lastSeen.set(server, current);
    const pins = this.data.servers[server];
    if (!pins) {
      this.data.servers[server] = Object.fromEntries(current.map((t) => [t.name, { hash: toolHash(t), definition: { ...t } }]));
      this.save();
      return { approved: current.map((t) => t.name), changed: [], added: [], removed: [] };
    }
    const result: PinComparison = { approved: [], changed: [], added: [], removed: [] };
    let pinned = false;
    for (const t of current) {
      const pin = pins[t.name];
      if (!pin && trustAdded) {
        pins[t.name] = { hash: toolHash(t), definition: { ...t } };
        pinned = true;
        result.approved.push(t.name);
      } else if (!pin) result.added.push(t);
      else if (pin.hash === toolHash(t)) result.approved.push(t.name);
      else result.changed.push({ tool: t.name, before: pin.definition, after: t });
    }
    const names = new Set(current.map((t) => t.name));
    for (const [name, pin] of Object.entries(pins)) if (!names.has(name)) result.removed.push(pin.definition);
    if (pinned) this.save();
    return result;
  }

  /** The comparison for the server's last-seen tools; undefined if it has not been seen yet. */
  pending(server: string): PinComparison | undefined {
    const seen = this.lastSeen.get(server);
    return seen ? this.compare(server, seen) : undefined;
  }

  /**
   * Pins the server's last-seen definitions: of the named tools, or of every tool (then removed
   * tools are forgotten too). Returns the names approved.
   */
  approve(server: string, tools?: string[]): string[] {
    const seen = this.lastSeen.get(server);
    if (!seen) throw new ConflictError(`server ${server} has not offered any tools since the daemon started; start it first`);
    const unknown = tools?.filter((n) => !seen.some((t) => t.name === n)) ?? [];
    if (unknown.length) throw new NotFoundError(`server ${server} does not offer ${unknown.map((n) => JSON.stringify(n)).join(', ')}`);
    const pins = tools ? { ...this.data.servers[server] } : {};
    const chosen = seen.filter((t) => !tools || tools.includes(t.name));
    for (const t of chosen) pins[t.name] = { hash: toolHash(t), definition: { ...t } };
    this.data.servers[server] = pins;
    this.save();
    return chosen.map((t) => t.name);
  }

  /** Forgets a server's pins (it was removed). */
  forget(server: string): void {
    if (!this.has(server)) return;
    delete this.data.servers[server];
    this.lastSeen.delete(server);
    this.save();
  }
}

/** A readable, line-based diff of what changed, for the CLI and the extension. */
export function describeChanges(server: string, c: PinComparison): string {
  const out: string[] = [];
  // Tool names are the server's: escaped, so a name cannot add lines of its own to the diff.
  for (const ch of c.changed) {
    out.push(`~ ${server}/${printable(ch.tool)} changed since it was approved:`);
    out.push(...lineDiff(pretty(ch.before), pretty(ch.after)).map((l) => `    ${l}`));
  }
  for (const t of c.added) {
    out.push(`+ ${server}/${printable(t.name)} is new:`);
    out.push(...pretty(t).map((l) => `    + ${l}`));
  }
  for (const t of c.removed) out.push(`- ${server}/${printable(t.name)} is no longer offered`);
  return out.join('\n');
}

function pretty(t: PinnableTool): string[] {
  return JSON.stringify(JSON.parse(canonicalJson(pinnedPart(t))), null, 2).split('\n');
}

/** Longest-common-subsequence diff: `  ` kept, `- ` removed, `+ ` added. */
export function lineDiff(a: string[], b: string[]): string[] {
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push(`  ${a[i]}`);
      i++;
      j++;
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) out.push(`- ${a[i++]}`);
    else out.push(`+ ${b[j++]}`);
  }
  while (i < n) out.push(`- ${a[i++]}`);
  while (j < m) out.push(`+ ${b[j++]}`);
  return out;
}
