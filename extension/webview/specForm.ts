// The server form, apart from VS Code: its fields generated from the spec's JSON Schema (the
// same zod schema the daemon validates with, so the form cannot drift from it), the form's text
// values turned into a spec entry and back, and zod's issues placed on the fields they concern.
// Pure, so it is unit-tested.
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { z } from 'zod';
import { ServerName, ServerSpecInput } from '../../daemon/protocol/spec.js';
import type { FormField, FieldKind } from './serverFormMessages.js';

/** A JSON Schema node, as far as the form reads it. */
interface Schema {
  type?: string | string[];
  enum?: unknown[];
  items?: Schema;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  default?: unknown;
  description?: string;
}

/** The spec entry's JSON Schema, as `npm run schema` writes it for editors. */
export function specJsonSchema(): Schema {
  return z.toJSONSchema(ServerSpecInput, { io: 'input', target: 'draft-7', unrepresentable: 'any' }) as Schema;
}

/** Where the form starts: what identifies the server, then how it runs, then the rest. */
const ORDER = ['description', 'catalog', 'image', 'build', 'host', 'transport', 'http', 'command', 'args', 'env', 'secrets', 'limits', 'volumes', 'network', 'restart', 'protocol', 'health', 'security', 'tools', 'alerts'];

/** One field per property; an object of simple properties becomes a group of fields, anything else one YAML field. */
export function formFields(schema: Schema = specJsonSchema()): FormField[] {
  const props = Object.entries(schema.properties ?? {}).sort(([a], [b]) => rank(a) - rank(b));
  const out: FormField[] = [];
  for (const [key, node] of props) {
    const kind = simpleKind(node);
    if (kind) {
      out.push(field(key, key, kind, node));
      continue;
    }
    const nested = node.type === 'object' && node.properties ? Object.entries(node.properties) : [];
    const kinds = nested.map(([, n]) => simpleKind(n));
    if (nested.length > 0 && kinds.every((k) => k !== undefined)) {
      nested.forEach(([sub, n], i) => out.push({ ...field(`${key}.${sub}`, sub, kinds[i] as FieldKind, n), group: key }));
    } else {
      out.push(field(key, key, 'yaml', node));
    }
  }
  return out;
}

const rank = (key: string) => (ORDER.includes(key) ? ORDER.indexOf(key) : ORDER.length);

function simpleKind(n: Schema): FieldKind | undefined {
  if (n.type === 'string' && n.enum) return 'choice';
  if (n.type === 'string') return 'text';
  if (n.type === 'number' || n.type === 'integer') return 'number';
  if (n.type === 'boolean') return 'choice';
  if (n.type === 'array' && n.items?.type === 'string' && !n.items.enum) return 'lines';
  if (n.type === 'object' && !n.properties && typeof n.additionalProperties === 'object' && n.additionalProperties.type === 'string') return 'pairs';
  return undefined;
}

function field(key: string, name: string, kind: FieldKind, n: Schema): FormField {
  const options = n.type === 'boolean' ? ['true', 'false'] : n.enum?.map(String);
  const placeholder = n.default !== undefined ? `default: ${typeof n.default === 'string' ? n.default : JSON.stringify(n.default)}` : PLACEHOLDERS[kind];
  return { key, label: words(name), kind, ...(options ? { options } : {}), ...(placeholder ? { placeholder } : {}), ...(n.type === 'boolean' ? { boolean: true } : {}), ...(n.type === 'integer' ? { integer: true } : {}) };
}

const PLACEHOLDERS: Partial<Record<FieldKind, string>> = { lines: 'one per line', pairs: 'NAME=value, one per line', yaml: 'YAML' };

/** `readOnlyRootfs` → "Read only rootfs". */
function words(key: string): string {
  const spaced = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

export type FormValues = Record<string, string>;

/** Problems by field key; `name` for the name field, `''` for the form as a whole. */
export type FormIssues = Record<string, string>;

/** The spec entry the values make, or the problems that stop it; empty fields are left out. */
export function formToSpec(fields: readonly FormField[], values: FormValues): { spec: Record<string, unknown>; issues: FormIssues } {
  const spec: Record<string, unknown> = {};
  const issues: FormIssues = {};
  for (const f of fields) {
    const raw = values[f.key] ?? '';
    if (raw.trim() === '') continue;
    const value = fieldValue(f, raw);
    if (value instanceof Error) issues[f.key] = value.message;
    else setPath(spec, f.key.split('.'), value);
  }
  return { spec, issues };
}

function fieldValue(f: FormField, raw: string): unknown {
  switch (f.kind) {
    case 'text':
      return raw.trim();
    case 'number': {
      const n = Number(raw.trim());
      return Number.isFinite(n) ? n : new Error('must be a number');
    }
    case 'choice':
      return f.boolean ? raw === 'true' : raw;
    case 'lines':
      return raw.split('\n').filter((l) => l.trim() !== '');
    case 'pairs': {
      const out: Record<string, string> = {};
      for (const l of raw.split('\n')) {
        if (l.trim() === '') continue;
        const at = l.indexOf('=');
        if (at <= 0) return new Error(`"${l.trim()}" is not NAME=value`);
        out[l.slice(0, at).trim()] = l.slice(at + 1);
      }
      return out;
    }
    case 'yaml':
      try {
        return parseYaml(raw) as unknown;
      } catch (e) {
        return new Error(`is not valid YAML (${(e as Error).message.split('\n')[0] ?? ''})`);
      }
  }
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  if (rest.length === 0) {
    target[head] = value;
    return;
  }
  const next = (target[head] ??= {}) as Record<string, unknown>;
  setPath(next, rest, value);
}

/** The form's text for a spec entry read from its file (the edit form's starting values). */
export function specToForm(fields: readonly FormField[], spec: Record<string, unknown>): FormValues {
  const values: FormValues = {};
  for (const f of fields) {
    const v = f.key.split('.').reduce<unknown>((o, k) => (typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[k] : undefined), spec);
    if (v === undefined) continue;
    if (f.kind === 'lines' && Array.isArray(v)) values[f.key] = v.map(String).join('\n');
    else if (f.kind === 'pairs' && typeof v === 'object' && v !== null) values[f.key] = Object.entries(v).map(([k, x]) => `${k}=${String(x)}`).join('\n');
    else if (f.kind === 'yaml') values[f.key] = toYaml(v).trimEnd();
    else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') values[f.key] = String(v);
    // A value of another shape than the field's (hand-written in the file): shown as YAML, so nothing is lost unseen.
    else values[f.key] = toYaml(v).trimEnd();
  }
  return values;
}

/**
 * Everything the form can check before the daemon does: the name (free, unless editing), each
 * field's text, and the entry against the spec schema, each problem on the field it concerns.
 */
export function validateForm(fields: readonly FormField[], name: string, values: FormValues, o: { taken: readonly string[]; editing: boolean }): { spec: Record<string, unknown> | undefined; issues: FormIssues } {
  const issues: FormIssues = {};
  const n = ServerName.safeParse(name);
  if (!n.success) issues['name'] = name === '' ? 'a server needs a name' : (n.error.issues[0]?.message ?? 'not a valid name');
  else if (!o.editing && o.taken.includes(name)) issues['name'] = `a server named "${name}" already exists`;
  const { spec, issues: fieldIssues } = formToSpec(fields, values);
  Object.assign(issues, fieldIssues);
  const parsed = ServerSpecInput.safeParse(spec);
  if (!parsed.success) {
    const keys = new Set(fields.map((f) => f.key));
    for (const issue of parsed.error.issues) {
      const path = issue.path.map(String);
      // The deepest field the issue's path falls in; an issue of the entry as a whole goes on the form.
      let key = '';
      for (let i = path.length; i > 0; i--) {
        const k = path.slice(0, i).join('.');
        if (keys.has(k)) {
          key = k;
          break;
        }
      }
      const rest = path.slice(key ? key.split('.').length : 0);
      issues[key] ??= `${rest.length ? `${rest.join('.')}: ` : ''}${issue.message}`;
    }
  }
  return { spec: Object.keys(issues).length === 0 ? spec : undefined, issues };
}
