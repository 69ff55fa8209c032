// Writes the JSON Schema of Berth's server spec files, generated from the same zod schemas the
// daemon validates with, so editor completion and the daemon never disagree.
// Run: npm run schema (writes dist/schemas/servers.schema.json, which the extension contributes).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
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

const out = path.resolve(__dirname, '..', 'dist', 'schemas', 'servers.schema.json');
// `io: 'input'` describes what a person writes (defaults optional), not the resolved spec.
const schema = {
  ...z.toJSONSchema(EditorSpecFile, { io: 'input', target: 'draft-7' }),
  title: 'Berth server spec file',
  description: 'MCP servers that Berth runs in containers; each key under "servers" is a server name.',
};
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(schema, null, 2)}\n`);
process.stdout.write(`wrote ${path.relative(process.cwd(), out)}\n`);
