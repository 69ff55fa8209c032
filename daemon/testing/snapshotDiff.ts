import { canonicalJson } from '../protocol/canonicalJson.js';
import type { Capabilities } from '../protocol/status.js';

/** What a snapshot keeps of a server: the definitions a client relies on, nothing that changes per run. */
export interface Definitions {
  tools: { name: string; description?: string; inputSchema: Record<string, unknown>; outputSchema?: Record<string, unknown> }[];
  prompts: { name: string; description?: string; arguments?: { name: string; required?: boolean }[] }[];
  resources: { uri: string; name?: string; mimeType?: string }[];
}

export function definitionsOf(caps: Capabilities): Definitions {
  const byKey = <T>(key: (t: T) => string) => (a: T, b: T) => key(a).localeCompare(key(b));
  return {
    tools: caps.tools
      .map((t) => ({ name: t.name, description: t.description, inputSchema: t.inputSchema, outputSchema: t.outputSchema as Record<string, unknown> | undefined }))
      .sort(byKey((t) => t.name)),
    prompts: caps.prompts
      .map((p) => ({ name: p.name, description: p.description, arguments: p.arguments as { name: string; required?: boolean }[] | undefined }))
      .sort(byKey((p) => p.name)),
    resources: caps.resources.map((r) => ({ uri: r.uri, name: r.name, mimeType: r.mimeType as string | undefined })).sort(byKey((r) => r.uri)),
  };
}

export interface SnapshotDiff {
  /** Changes that break a client written against the snapshot: something removed, newly required or narrowed. */
  breaking: string[];
  /** Changes a client is not hurt by: something new, optional, widened, or only described differently. */
  additive: string[];
}

type Schema = Record<string, unknown>;

const props = (s: Schema | undefined): Record<string, Schema> => (s?.properties && typeof s.properties === 'object' ? (s.properties as Record<string, Schema>) : {});
const required = (s: Schema | undefined): string[] => (Array.isArray(s?.required) ? (s.required as string[]) : []);
const types = (s: Schema): string[] | undefined => (s.type === undefined ? undefined : [s.type].flat().map(String));

/**
 * Classifies every difference between two snapshots. An input schema is compared as a client
 * calls it (a new required argument breaks, a new optional one does not); an output schema as a
 * client reads it (a property that goes away breaks, a new one does not).
 */
export function diffDefinitions(before: Definitions, after: Definitions): SnapshotDiff {
  const d: SnapshotDiff = { breaking: [], additive: [] };
  const pair = <T>(a: T[], b: T[], key: (t: T) => string, kind: string, each: (x: T, y: T, label: string) => void) => {
    const next = new Map(b.map((t) => [key(t), t]));
    const prev = new Map(a.map((t) => [key(t), t]));
    for (const [k, x] of prev) {
      const y = next.get(k);
      if (!y) d.breaking.push(`${kind} ${k} was removed`);
      else each(x, y, `${kind} ${k}`);
    }
    for (const k of next.keys()) if (!prev.has(k)) d.additive.push(`${kind} ${k} was added`);
  };
  pair(before.tools, after.tools, (t) => t.name, 'tool', (x, y, label) => {
    if (x.description !== y.description) d.additive.push(`${label}: its description changed`);
    diffInput(x.inputSchema, y.inputSchema, label, d);
    diffOutput(x.outputSchema, y.outputSchema, label, d);
  });
  pair(before.prompts, after.prompts, (p) => p.name, 'prompt', (x, y, label) => {
    if (x.description !== y.description) d.additive.push(`${label}: its description changed`);
    const was = new Map((x.arguments ?? []).map((a) => [a.name, a]));
    const now = new Map((y.arguments ?? []).map((a) => [a.name, a]));
    for (const [n, a] of now) {
      const old = was.get(n);
      if (a.required && !old?.required) d.breaking.push(`${label}: argument ${n} is now required`);
      else if (!old) d.additive.push(`${label}: new optional argument ${n}`);
    }
    for (const n of was.keys()) if (!now.has(n)) d.breaking.push(`${label}: argument ${n} was removed`);
  });
  pair(before.resources, after.resources, (r) => r.uri, 'resource', (x, y, label) => {
    if (x.mimeType !== y.mimeType) d.breaking.push(`${label}: its MIME type changed from ${x.mimeType ?? 'none'} to ${y.mimeType ?? 'none'}`);
    else if (x.name !== y.name) d.additive.push(`${label}: its name changed`);
  });
  return d;
}

function diffInput(before: Schema, after: Schema, label: string, d: SnapshotDiff): void {
  const was = props(before);
  const now = props(after);
  const req = new Set(required(before));
  for (const n of required(after)) if (!req.has(n)) d.breaking.push(`${label}: new required argument ${n}`);
  for (const n of Object.keys(was)) if (!(n in now)) d.breaking.push(`${label}: argument ${n} was removed`);
  for (const [n, s] of Object.entries(now)) {
    const old = was[n];
    if (!old) {
      if (!required(after).includes(n)) d.additive.push(`${label}: new optional argument ${n}`);
      continue;
    }
    // What a caller may send shrinks: breaking; grows: additive.
    compareValues(types(old), types(s), `${label}: argument ${n}`, 'type', d, 'narrow');
    compareValues(enumOf(old), enumOf(s), `${label}: argument ${n}`, 'allowed values', d, 'narrow');
    if (canonicalJson(old) !== canonicalJson(s) && canonicalJson({ ...old, description: undefined }) === canonicalJson({ ...s, description: undefined })) d.additive.push(`${label}: argument ${n}'s description changed`);
  }
}

function diffOutput(before: Schema | undefined, after: Schema | undefined, label: string, d: SnapshotDiff): void {
  if (!before && after) return void d.additive.push(`${label}: now declares an output schema`);
  if (before && !after) return void d.breaking.push(`${label}: no longer declares an output schema`);
  const was = props(before);
  const now = props(after);
  for (const n of Object.keys(was)) if (!(n in now)) d.breaking.push(`${label}: output property ${n} was removed`);
  for (const n of Object.keys(now)) if (!(n in was)) d.additive.push(`${label}: new output property ${n}`);
  for (const [n, s] of Object.entries(now)) {
    const old = was[n];
    // What a reader may receive grows: breaking (it did not expect it); shrinks: fine.
    if (old) compareValues(types(old), types(s), `${label}: output property ${n}`, 'type', d, 'widen');
  }
}

const enumOf = (s: Schema): string[] | undefined => (Array.isArray(s.enum) ? s.enum.map((v) => canonicalJson(v)) : undefined);

/** Sets of allowed things (types, enum values); undefined means anything. `breaks`: which direction hurts a client. */
function compareValues(a: string[] | undefined, b: string[] | undefined, label: string, what: string, d: SnapshotDiff, breaks: 'narrow' | 'widen'): void {
  if (canonicalJson(a?.slice().sort()) === canonicalJson(b?.slice().sort())) return;
  const lost = a === undefined ? b !== undefined : b !== undefined && a.some((t) => !b.includes(t));
  const gained = b === undefined ? a !== undefined : a !== undefined && b.some((t) => !a.includes(t));
  const text = `${label}: ${what} ${a?.join('|') ?? 'any'} → ${b?.join('|') ?? 'any'}`;
  const hurts = (breaks === 'narrow' && lost) || (breaks === 'widen' && gained);
  (hurts ? d.breaking : d.additive).push(`${text}${hurts ? (breaks === 'narrow' ? ' (narrowed)' : ' (widened)') : ''}`);
}
