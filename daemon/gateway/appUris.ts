// MCP Apps (`io.modelcontextprotocol/ui`) on the aggregate endpoint. A tool's App is a `ui://`
// resource named in the tool's `_meta`; two servers may use the very same URI for different pages
// (server-basic-vanillajs and server-basic-preact both serve `ui://get-time/mcp-app.html`). As tool
// names are namespaced `server__tool`, `ui://` URIs are namespaced in their authority,
// `ui://server__get-time/mcp-app.html`, so every App a client sees can be read and none collide.

type Result = Record<string, unknown>;

const UI = 'ui://';
/** Where a tool names its App: `_meta.ui.resourceUri`, and the flat key earlier hosts read. */
const FLAT_KEY = 'ui/resourceUri';

export function isAppUri(uri: string): boolean {
  return uri.startsWith(UI);
}

/** A server's `ui://` URI as the aggregate endpoint shows it; other URIs are left as they are. */
export function namespacedUri(server: string, separator: string, uri: string): string {
  return isAppUri(uri) ? `${UI}${server}${separator}${uri.slice(UI.length)}` : uri;
}

/** The server and its own URI behind a namespaced `ui://` URI, among `servers`; undefined when none matches. */
export function ownAppUri(uri: string, separator: string, servers: readonly string[]): { server: string; uri: string } | undefined {
  if (!isAppUri(uri)) return undefined;
  const rest = uri.slice(UI.length);
  const server = servers.find((s) => rest.startsWith(`${s}${separator}`));
  return server === undefined ? undefined : { server, uri: `${UI}${rest.slice(server.length + separator.length)}` };
}

/** A tool (or any item with `_meta`) whose App URI is namespaced; the rest of it unchanged. */
export function withNamespacedApp<T extends Result>(item: T, rename: (uri: string) => string): T {
  const meta = item._meta;
  if (typeof meta !== 'object' || meta === null) return item;
  const m = meta as Result;
  const ui = typeof m.ui === 'object' && m.ui !== null ? (m.ui as Result) : undefined;
  const nested = ui && typeof ui.resourceUri === 'string' ? { ui: { ...ui, resourceUri: rename(ui.resourceUri) } } : {};
  const flat = typeof m[FLAT_KEY] === 'string' ? { [FLAT_KEY]: rename(m[FLAT_KEY]) } : {};
  if (!Object.keys(nested).length && !Object.keys(flat).length) return item;
  return { ...item, _meta: { ...m, ...nested, ...flat } };
}

/** A `resources/read` result with each content's URI shown as the client asked for it. */
export function withContentsUri(result: Result, uri: string): Result {
  const contents = result.contents;
  if (!Array.isArray(contents)) return result;
  return { ...result, contents: contents.map((c: unknown) => (typeof c === 'object' && c !== null ? { ...(c as Result), uri } : c)) };
}
