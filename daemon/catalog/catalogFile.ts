import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { z } from 'zod';
import type { CatalogItem, CatalogKind } from '../protocol/catalog.js';
import { DockerCatalog, fromDockerCatalog } from './dockerCatalog.js';
import { checkedItem } from './entryCheck.js';
import { fromServerJson, ServerJson, serverJsonItems } from './serverJson.js';
import { describeIssue } from '../protocol/issue.js';

/** A catalog file is read whole; far above any real one (Docker's own catalog is about 1 MiB). */
const MAX_CATALOG_BYTES = 16 * 1024 * 1024;

/**
 * The entries of a catalog file: Docker's format (a `registry:` map), one `server.json`, a list of
 * them, or a registry's list answer (`{ servers: [{ server }] }`) saved to a file. JSON or YAML.
 */
export function parseCatalogText(text: string, file: string, catalog: string): { kind: CatalogKind; entries: CatalogItem[] } {
  let raw: unknown;
  try {
    raw = parse(text, { maxAliasCount: 100 });
  } catch (e) {
    throw new Error(`${file} is neither JSON nor YAML (${(e as Error).message.split('\n')[0]}); give a server.json or a Docker catalog file`);
  }
  if (isObject(raw) && 'registry' in raw) return { kind: 'docker', entries: fromDockerCatalog(checked(DockerCatalog, raw, file), catalog) };
  if (isObject(raw) && Array.isArray(raw.servers)) return { kind: 'server.json', entries: serverJsonItems(raw.servers, catalog) };
  if (Array.isArray(raw)) return { kind: 'server.json', entries: serverJsonItems(raw, catalog) };
  if (isObject(raw) && 'name' in raw) return { kind: 'server.json', entries: [checkedItem(fromServerJson(checked(ServerJson, raw, file), catalog))] };
  throw new Error(`${file} is not a catalog Berth reads (a server.json, a list of them, or a Docker catalog with a "registry" map)`);
}

export async function readCatalogFile(file: string, catalog: string): Promise<{ kind: CatalogKind; entries: CatalogItem[] }> {
  let text: string;
  try {
    const buf = await readFile(file);
    if (buf.byteLength > MAX_CATALOG_BYTES) throw new Error(`is over ${MAX_CATALOG_BYTES / 1024 / 1024} MiB`);
    text = buf.toString('utf8');
  } catch (e) {
    throw new Error(`catalog file ${file} cannot be read: ${(e as Error).message}`);
  }
  return parseCatalogText(text, file, catalog);
}

function checked<T extends z.ZodType>(schema: T, raw: unknown, file: string): z.infer<T> {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  throw new Error(`${file}: ${describeIssue(r.error)}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
