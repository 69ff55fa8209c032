import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import type { McpTestFile } from '../protocol/mcptest.js';
import type { Capabilities } from '../protocol/status.js';

type Schema = Record<string, unknown>;

/** A value the schema accepts, as plain as can be: what a starter file calls a tool with. */
export function exampleFor(schema: Schema | undefined): unknown {
  if (!schema) return null;
  if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0];
  if ('const' in schema) return schema.const;
  if ('default' in schema) return schema.default;
  const type = [schema.type].flat()[0];
  switch (type) {
    case 'string':
      return typeof schema.minLength === 'number' ? 'x'.repeat(schema.minLength) : 'example';
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 1;
    case 'boolean':
      return false;
    case 'array':
      return typeof schema.minItems === 'number' && schema.minItems > 0 ? Array.from({ length: schema.minItems }, () => exampleFor(schema.items as Schema)) : [];
    case 'object':
      return requiredArgs(schema);
    default:
      return null;
  }
}

/** The required properties of an object schema, each with an example value. */
function requiredArgs(schema: Schema): Record<string, unknown> {
  const props = (schema.properties ?? {}) as Record<string, Schema>;
  const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
  return Object.fromEntries(required.map((k) => [k, exampleFor(props[k])]));
}

/**
 * A starter scenario file for a server: a step that lists its tools, one call per read-only
 * tool with arguments its schema accepts, and a snapshot of its definitions.
 */
export function starterFile(server: string, caps: Capabilities): McpTestFile {
  const readOnly = caps.tools.filter((t) => (t.annotations as { readOnlyHint?: boolean } | undefined)?.readOnlyHint === true);
  return {
    server,
    snapshot: { file: `__snapshots__/${server}.definitions.json`, breaking: 'fail', additive: 'warn' },
    cases: [
      { id: 'lists-its-tools', listTools: true, expect: { includes: caps.tools.map((t) => t.name) } },
      ...readOnly.map((t) => {
        const args = requiredArgs(t.inputSchema);
        return { id: `calls-${t.name.replace(/[^A-Za-z0-9_.-]/g, '-')}`.slice(0, 100), call: t.name, ...(Object.keys(args).length ? { args } : {}), expect: { error: false } };
      }),
    ],
  };
}

export async function writeStarterFile(file: string, server: string, caps: Capabilities): Promise<number> {
  const content = starterFile(server, caps);
  await mkdir(path.dirname(file), { recursive: true });
  const header = `# Written by \`berth test --init ${server}\`: edit the expectations to say what the server must do.\n# Run with \`berth test\`; the editor validates this file against Berth's scenario schema.\n`;
  await writeFile(file, header + stringify(content), { flag: 'wx' });
  return content.cases.length;
}
