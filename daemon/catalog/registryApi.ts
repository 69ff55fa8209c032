import { z } from 'zod';
import type { CatalogItem } from '../protocol/catalog.js';
import { fromServerJson, RegistryList } from './serverJson.js';
import { describeIssue } from '../protocol/issue.js';

/**
 * A registry that serves the official MCP Registry's REST API (`/v0.1/servers` with cursor
 * paging and `search`, `/v0.1/servers/{name}/versions`). Every answer is parsed with zod where
 * it enters; a registry that pages forever is cut off.
 */
const MAX_PAGES = 50;
const PAGE_SIZE = 100;
const TIMEOUT_MS = 15_000;
const OFFICIAL_META = 'io.modelcontextprotocol.registry/official';
const OfficialMeta = z.object({ isLatest: z.boolean().optional(), status: z.string().optional() }).passthrough();

/** A base URL as the user typed it, without a trailing slash or the API path they may have pasted. */
export function registryBase(url: string): string {
  const u = new URL(url);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`${url} is not an http(s) URL`);
  return u.toString().replace(/\/+$/, '').replace(/\/v0(?:\.\d+)?\/servers$/, '');
}

async function getList(url: string): Promise<z.infer<typeof RegistryList>> {
  let res: Response;
  try {
    res = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (e) {
    throw new Error(`the registry at ${new URL(url).origin} does not answer (${(e as Error).message})`);
  }
  if (!res.ok) throw new Error(`the registry answered ${url} with HTTP ${res.status}`);
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    throw new Error(`the registry answered ${url} with something that is not JSON; is it an MCP registry?`);
  }
  const parsed = RegistryList.safeParse(body);
  if (!parsed.success) throw new Error(`the registry's answer to ${url} is not a server list (${describeIssue(parsed.error)}); is it an MCP registry?`);
  return parsed.data;
}

/** Every server's latest version matching the search (all when none), following the cursor. */
export async function searchRegistry(base: string, catalog: string, search: string | undefined): Promise<CatalogItem[]> {
  const items: CatalogItem[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const q = new URLSearchParams({ limit: String(PAGE_SIZE), version: 'latest' });
    if (search) q.set('search', search);
    if (cursor) q.set('cursor', cursor);
    const list = await getList(`${base}/v0.1/servers?${q.toString()}`);
    items.push(...list.servers.map((s) => fromServerJson(s.server, catalog)));
    cursor = list.metadata?.nextCursor ?? undefined;
    if (!cursor) break;
  }
  return items;
}

/** One server of the registry at a version (its latest when none is given), with every version it has; undefined when the registry has no such server. */
export async function registryEntry(base: string, catalog: string, name: string, version: string | undefined): Promise<CatalogItem | undefined> {
  let list: z.infer<typeof RegistryList>;
  try {
    list = await getList(`${base}/v0.1/servers/${encodeURIComponent(name)}/versions`);
  } catch (e) {
    if (/HTTP 404\b/.test((e as Error).message)) return undefined;
    throw e;
  }
  if (!list.servers.length) return undefined;
  const versions = list.servers.map((s) => s.server.version).filter((v): v is string => v !== undefined);
  const latest = list.servers.find((s) => OfficialMeta.safeParse(s._meta?.[OFFICIAL_META]).data?.isLatest) ?? list.servers[list.servers.length - 1];
  const chosen = version === undefined ? latest : list.servers.find((s) => s.server.version === version);
  if (!chosen) throw new Error(`${name} has no version ${version} in the registry; it has ${versions.join(', ')}`);
  return { ...fromServerJson(chosen.server, catalog), versions };
}
