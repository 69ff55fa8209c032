// Writes the JSON Schemas of Berth's server spec files and scenario files (*.mcptest.yaml),
// generated from the same zod schemas the daemon validates with, so editor completion and the
// daemon never disagree. Run: npm run schema (writes dist/schemas/, which the extension contributes).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { McpTestFile } from '../daemon/protocol/mcptest.js';
import { ServerName, ServerSpecInput } from '../daemon/protocol/spec.js';
import { CATALOG } from '../daemon/servers/catalog.js';

const catalogIds = CATALOG.map((e) => e.id);
// The daemon checks names and catalog ids after parsing; the editor can check them while typing.
const EditorSpecFile = z
  .object({
    servers: z
      .record(ServerName, ServerSpecInput.extend({ catalog: z.enum(catalogIds as [string, ...string[]]).optional() }))
      .default({}),
  })
  .strict();

const write = (name: string, type: z.ZodType, title: string, description: string) => {
  const out = path.resolve(__dirname, '..', 'dist', 'schemas', name);
  // `io: 'input'` describes what a person writes (defaults optional), not the resolved value.
  // Refinements (one action per step) are checked by the daemon; a schema cannot carry them.
  const schema = { ...z.toJSONSchema(type, { io: 'input', target: 'draft-7', unrepresentable: 'any' }), title, description };
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(schema, null, 2)}\n`);
  process.stdout.write(`wrote ${path.relative(process.cwd(), out)}\n`);
};
write('servers.schema.json', EditorSpecFile, 'Berth server spec file', 'MCP servers that Berth runs in containers; each key under "servers" is a server name.');
write('mcptest.schema.json', McpTestFile, 'Berth MCP scenario file', 'Cases of steps run against one MCP server by `berth test` and the Test Explorer.');
