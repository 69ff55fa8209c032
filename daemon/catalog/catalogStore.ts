import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { writePrivateFile } from '../atomicFile.js';
import { CatalogKind, CatalogName, type CatalogSource } from '../protocol/catalog.js';
import { describeIssue } from '../protocol/issue.js';

/** The catalogs file in Berth's config dir: each added catalog's kind and where it is. */
const CatalogsFile = z
  .object({ catalogs: z.record(CatalogName, z.object({ kind: CatalogKind, location: z.string().min(1).max(4096) }).strict()).default({}) })
  .strict();

export function catalogsFile(configDir: string): string {
  return path.join(configDir, 'catalogs.json');
}

export async function loadCatalogSources(file: string): Promise<CatalogSource[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new Error(`${file} cannot be read: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file} is not valid JSON (${(e as Error).message}); fix or remove it`);
  }
  const parsed = CatalogsFile.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`${file}: ${describeIssue(parsed.error)}; fix or remove it`);
  }
  return Object.entries(parsed.data.catalogs).map(([name, c]) => ({ name, ...c }));
}

/** Atomic: a crash mid-write leaves the old file. */
export function saveCatalogSources(file: string, sources: CatalogSource[]): void {
  const body = { catalogs: Object.fromEntries(sources.map((s) => [s.name, { kind: s.kind, location: s.location }])) };
  writePrivateFile(file, `${JSON.stringify(body, null, 2)}\n`);
}
