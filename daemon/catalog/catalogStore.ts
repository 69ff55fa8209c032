import path from 'node:path';
import { z } from 'zod';
import { writePrivateFile } from '../atomicFile.js';
import { CatalogKind, CatalogName, type CatalogSource } from '../protocol/catalog.js';
import { readConfigFile } from '../configFile.js';

/** The catalogs file in Berth's config dir: each added catalog's kind and where it is. */
const CatalogsFile = z
  .object({ catalogs: z.record(CatalogName, z.object({ kind: CatalogKind, location: z.string().min(1).max(4096) }).strict()).default({}) })
  .strict();

export function catalogsFile(configDir: string): string {
  return path.join(configDir, 'catalogs.json');
}

export async function loadCatalogSources(file: string): Promise<CatalogSource[]> {
  const parsed = await readConfigFile(file, CatalogsFile);
  return parsed ? Object.entries(parsed.catalogs).map(([name, c]) => ({ name, ...c })) : [];
}

/** Atomic: a crash mid-write leaves the old file. */
export function saveCatalogSources(file: string, sources: CatalogSource[]): void {
  const body = { catalogs: Object.fromEntries(sources.map((s) => [s.name, { kind: s.kind, location: s.location }])) };
  writePrivateFile(file, `${JSON.stringify(body, null, 2)}\n`);
}
