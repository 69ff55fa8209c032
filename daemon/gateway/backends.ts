import type { CallContext, UpstreamListener } from '../mcp/callContext.js';
import type { McpBackend, Offers } from '../mcp/proxyServer.js';
import type { Capabilities } from '../protocol/status.js';
import type { ServerSupervisor } from '../servers/supervisor.js';
import { VERSION } from '../protocol/version.js';
import { namespacedUri, ownAppUri, withContentsUri, withNamespacedApp } from './appUris.js';

type Result = Record<string, unknown>;

/**
 * What a server declared beyond its lists. A session that did not report its server's declaration
 * offers everything: the server then answers for itself what it does not do.
 */
function offersOf(caps: Capabilities | undefined): Offers {
  const server = caps?.server;
  if (!server) return { completions: true, logging: true, subscribe: true };
  const resources = server.resources as { subscribe?: boolean } | undefined;
  return { completions: server.completions !== undefined, logging: server.logging !== undefined, subscribe: resources?.subscribe === true };
}

/**
 * Resource subscriptions on a server's one shared session, counted per client session: the server
 * is subscribed while any client is, and one client unsubscribing leaves the others their updates.
 */
const subscribers = new WeakMap<ServerSupervisor, Map<string, number>>();

function forward(sup: ServerSupervisor, method: string, params: Result | undefined, ctx: CallContext): Promise<Result> {
  const uri = params?.uri;
  if ((method !== 'resources/subscribe' && method !== 'resources/unsubscribe') || typeof uri !== 'string') return sup.request(method, params, ctx);
  const counts = subscribers.get(sup) ?? new Map<string, number>();
  subscribers.set(sup, counts);
  const before = counts.get(uri) ?? 0;
  const after = method === 'resources/subscribe' ? before + 1 : Math.max(0, before - 1);
  if (after) counts.set(uri, after);
  else counts.delete(uri);
  // Only the first subscriber and the last to leave reach the server.
  if ((method === 'resources/subscribe' && before === 0) || (method === 'resources/unsubscribe' && before === 1)) return sup.request(method, params, ctx);
  return Promise.resolve({});
}

/** One Berth server, straight onto its supervisor's shared session. */
export function supervisorBackend(sup: ServerSupervisor): McpBackend {
  return {
    name: `berth/${sup.name}`,
    version: sup.capabilities?.serverInfo?.version ?? VERSION,
    capabilities: () => {
      if (!sup.capabilities) throw new Error(`server ${sup.name} is ${sup.phase}`);
      return sup.capabilities;
    },
    instructions: () => sup.capabilities?.instructions,
    offers: () => offersOf(sup.capabilities),
    callTool: (tool, args, ctx) => sup.callTool(tool, args, ctx),
    getPrompt: (prompt, args, ctx) => sup.getPrompt(prompt, args, ctx),
    readResource: (uri, ctx) => sup.readResource(uri, ctx),
    request: (method, params, ctx) => forward(sup, method, params, ctx),
    onNotification: (listener) => sup.onNotification(listener),
  };
}

/** Tool and prompt names of the aggregate endpoint: `server__name`. */
export const SEPARATOR = '__';

export interface Selection {
  servers?: string[];
  tools?: string[];
}

/**
 * Several servers behind one endpoint, their tools and prompts namespaced by server, limited to
 * a selection (clients cap how many tools they accept). Requests that name a prompt or a resource
 * go to its server; resource templates are gathered from all; a log level is set on all. MCP Apps'
 * `ui://` URIs are namespaced like the tools that name them (appUris.ts).
 */
export function aggregateBackend(all: () => ServerSupervisor[], selection: Selection): McpBackend {
  const chosen = () => all().filter((s) => s.capabilities && (!selection.servers || selection.servers.includes(s.name)));
  const find = (qualified: string, kind: 'tool' | 'prompt') => {
    const i = qualified.indexOf(SEPARATOR);
    const sup = i > 0 ? chosen().find((s) => s.name === qualified.slice(0, i)) : undefined;
    const unselected = kind === 'tool' && selection.tools !== undefined && !selection.tools.includes(qualified);
    if (!sup || unselected) throw new Error(`${kind} "${qualified}" is not offered by this endpoint`);
    return { sup, name: qualified.slice(i + SEPARATOR.length) };
  };
  /** The server behind a resource URI as this endpoint shows it, and the URI as that server knows it. */
  const owner = (uri: string) => {
    const sups = chosen();
    const app = ownAppUri(uri, SEPARATOR, sups.map((s) => s.name));
    const sup = app ? sups.find((s) => s.name === app.server) : sups.find((s) => s.capabilities?.resources.some((r) => r.uri === uri));
    if (!sup) throw new Error(`no server behind this endpoint offers resource ${uri}`);
    return { sup, uri: app?.uri ?? uri };
  };
  const request = async (method: string, params: Result | undefined, ctx: CallContext): Promise<Result> => {
    if (method === 'resources/templates/list') {
      const lists = await Promise.all(chosen().map((s) => forward(s, method, undefined, ctx).catch(() => ({ resourceTemplates: [] }))));
      return { resourceTemplates: lists.flatMap((l) => (l.resourceTemplates as unknown[] | undefined) ?? []) };
    }
    if (method === 'logging/setLevel') {
      await Promise.all(chosen().map((s) => forward(s, method, params, ctx).catch(() => undefined)));
      return {};
    }
    if (method === 'completion/complete') {
      const ref = (params?.ref ?? {}) as { type?: string; name?: string; uri?: string };
      if (ref.type === 'ref/prompt') {
        const { sup, name } = find(String(ref.name), 'prompt');
        return forward(sup, method, { ...params, ref: { ...ref, name } }, ctx);
      }
      // A resource template's server is the one whose templates include it.
      for (const sup of chosen()) {
        const list = await forward(sup, 'resources/templates/list', undefined, ctx).catch(() => ({ resourceTemplates: [] }));
        if ((list.resourceTemplates as { uriTemplate?: string }[] | undefined)?.some((t) => t.uriTemplate === ref.uri)) return forward(sup, method, params, ctx);
      }
      throw new Error(`no server behind this endpoint offers resource template ${ref.uri}`);
    }
    const { sup, uri } = owner(String(params?.uri));
    return forward(sup, method, { ...params, uri }, ctx);
  };
  return {
    name: 'berth',
    version: VERSION,
    capabilities: (): Capabilities => {
      const sups = chosen();
      return {
        tools: sups
          .flatMap((s) =>
            (s.capabilities?.tools ?? []).map((t) =>
              withNamespacedApp({ ...t, name: `${s.name}${SEPARATOR}${t.name}`, description: `[${s.name}] ${t.description ?? ''}`.trim() }, (uri) => namespacedUri(s.name, SEPARATOR, uri)),
            ),
          )
          .filter((t) => !selection.tools || selection.tools.includes(t.name)),
        prompts: sups.flatMap((s) => (s.capabilities?.prompts ?? []).map((p) => ({ ...p, name: `${s.name}${SEPARATOR}${p.name}` }))),
        resources: sups.flatMap((s) => (s.capabilities?.resources ?? []).map((r) => ({ ...r, uri: namespacedUri(s.name, SEPARATOR, r.uri) }))),
      };
    },
    instructions: () => undefined,
    offers: () => {
      const each = chosen().map((s) => offersOf(s.capabilities));
      return { completions: each.some((o) => o.completions), logging: each.some((o) => o.logging), subscribe: each.some((o) => o.subscribe) };
    },
    callTool: (tool, args, ctx) => {
      const { sup, name } = find(tool, 'tool');
      return sup.callTool(name, args, ctx);
    },
    getPrompt: (prompt, args, ctx) => {
      const { sup, name } = find(prompt, 'prompt');
      return sup.getPrompt(name, args, ctx);
    },
    readResource: async (shown, ctx) => {
      const { sup, uri } = owner(shown);
      const result = await sup.readResource(uri, ctx);
      return uri === shown ? result : withContentsUri(result, shown);
    },
    request,
    onNotification: (listener: UpstreamListener) => {
      const offs = chosen().map((s) => s.onNotification(listener));
      return () => offs.forEach((off) => off());
    },
  };
}
