import { z } from 'zod';
import type { CatalogItem } from '../protocol/catalog.js';
import { checkedItem } from './entryCheck.js';
import { fromServerJson, LaxRegistryList, RegistryList, serverJsonItems } from './serverJson.js';
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

/** One page of a registry's answer is a few hundred KiB; more is not a registry page (a 400 MB one cost the daemon 1.2 GB). */
export const MAX_ANSWER_BYTES = 8 * 1024 * 1024;
const MAX_REDIRECTS = 5;

/**
 * GETs a registry URL, following redirects only within its origin (or from http to https on the
 * same host): a registry must not send Berth's requests to another host, such as a service on
 * the loopback or a cloud metadata address.
 */
async function registryGet(url: string): Promise<Response> {
  const origin = new URL(url);
  let at = origin;
  for (let hop = 0; ; hop++) {
    const res = await fetch(at, { headers: { accept: 'application/json' }, redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (res.status < 300 || res.status >= 400 || !res.headers.has('location')) return res;
    await res.body?.cancel();
    const next = new URL(res.headers.get('location') ?? '', at);
    const sameHost = next.hostname === origin.hostname;
    if (!(next.origin === origin.origin || (sameHost && next.protocol === 'https:'))) {
      throw new Error(`the registry at ${origin.origin} redirected to ${next.origin}, another host, which Berth does not follow; add the registry by the address it redirects to if you trust it`);
    }
    if (hop >= MAX_REDIRECTS) throw new Error(`the registry at ${origin.origin} redirected more than ${MAX_REDIRECTS} times; is it an MCP registry?`);
    at = next;
  }
}

/** The body as text, refused as soon as it grows past the cap. */
async function cappedText(res: Response, url: string): Promise<string> {
  const tooBig = () => new Error(`the registry's answer to ${url} is over ${MAX_ANSWER_BYTES / 1024 / 1024} MiB, more than a registry page is; is it an MCP registry?`);
  if (Number(res.headers.get('content-length') ?? 0) > MAX_ANSWER_BYTES) {
    await res.body?.cancel();
    throw tooBig();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (!res.body) return '';
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_ANSWER_BYTES) {
      await reader.cancel();
      throw tooBig();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function getList<T extends typeof RegistryList | typeof LaxRegistryList>(url: string, schema: T): Promise<z.infer<T>> {
  let res: Response;
  try {
    res = await registryGet(url);
  } catch (e) {
    if ((e as Error).message.startsWith('the registry at ')) throw e;
    throw new Error(`the registry at ${new URL(url).origin} does not answer (${(e as Error).message})`);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`the registry answered ${url} with HTTP ${res.status}`);
  }
  const text = await cappedText(res, url);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`the registry answered ${url} with something that is not JSON; is it an MCP registry?`);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new Error(`the registry's answer to ${url} is not a server list (${describeIssue(parsed.error)}); is it an MCP registry?`);
  return parsed.data as z.infer<T>;
}

/** Every server's latest version matching the search (all when none), following the cursor. */
export async function searchRegistry(base: string, catalog: string, search: string | undefined): Promise<CatalogItem[]> {
  const items: CatalogItem[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const q = new URLSearchParams({ limit: String(PAGE_SIZE), version: 'latest' });
    if (search) q.set('search', search);
    if (cursor) q.set('cursor', cursor);
    const list = await getList(`${base}/v0.1/servers?${q.toString()}`, LaxRegistryList);
    items.push(...serverJsonItems(list.servers, catalog));
    cursor = list.metadata?.nextCursor ?? undefined;
    if (!cursor) break;
  }
  return items;
}

/** One server of the registry at a version (its latest when none is given), with every version it has; undefined when the registry has no such server. */
export async function registryEntry(base: string, catalog: string, name: string, version: string | undefined): Promise<CatalogItem | undefined> {
  let list: z.infer<typeof RegistryList>;
  try {
    list = await getList(`${base}/v0.1/servers/${encodeURIComponent(name)}/versions`, RegistryList);
  } catch (e) {
    if (/HTTP 404\b/.test((e as Error).message)) return undefined;
    throw e;
  }
  if (!list.servers.length) return undefined;
  const versions = list.servers.map((s) => s.server.version).filter((v): v is string => v !== undefined);
  const latest = list.servers.find((s) => OfficialMeta.safeParse(s._meta?.[OFFICIAL_META]).data?.isLatest) ?? list.servers[list.servers.length - 1];
  const chosen = version === undefined ? latest : list.servers.find((s) => s.server.version === version);
  if (!chosen) throw new Error(`${name} has no version ${version} in the registry; it has ${versions.join(', ')}`);
  return checkedItem({ ...fromServerJson(chosen.server, catalog), versions });
}
