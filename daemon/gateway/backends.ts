import type { McpBackend } from '../mcp/proxyServer.js';
import type { Capabilities } from '../protocol/status.js';
import type { ServerSupervisor } from '../servers/supervisor.js';
import { VERSION } from '../protocol/version.js';

/** One Berth server, straight onto its supervisor's shared session. */
export function supervisorBackend(sup: ServerSupervisor): McpBackend {
  return {
    name: `berth/${sup.name}`,
    version: sup.capabilities?.serverInfo?.version ?? VERSION,
    capabilities: () => {
      if (!sup.capabilities) throw new Error(`server ${sup.name} is ${sup.phase}`);
      return sup.capabilities;
    },
    callTool: (tool, args, ctx) => sup.callTool(tool, args, ctx),
    getPrompt: (prompt, args) => sup.getPrompt(prompt, args),
    readResource: (uri) => sup.readResource(uri),
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
 * a selection (clients cap how many tools they accept).
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
  return {
    name: 'berth',
    version: VERSION,
    capabilities: (): Capabilities => {
      const sups = chosen();
      return {
        tools: sups
          .flatMap((s) => (s.capabilities?.tools ?? []).map((t) => ({ ...t, name: `${s.name}${SEPARATOR}${t.name}`, description: `[${s.name}] ${t.description ?? ''}`.trim() })))
          .filter((t) => !selection.tools || selection.tools.includes(t.name)),
        prompts: sups.flatMap((s) => (s.capabilities?.prompts ?? []).map((p) => ({ ...p, name: `${s.name}${SEPARATOR}${p.name}` }))),
        resources: sups.flatMap((s) => s.capabilities?.resources ?? []),
      };
    },
    callTool: (tool, args, ctx) => {
      const { sup, name } = find(tool, 'tool');
      return sup.callTool(name, args, ctx);
    },
    getPrompt: (prompt, args) => {
      const { sup, name } = find(prompt, 'prompt');
      return sup.getPrompt(name, args);
    },
    readResource: (uri) => {
      const sup = chosen().find((s) => s.capabilities?.resources.some((r) => r.uri === uri));
      if (!sup) throw new Error(`no server behind this endpoint offers resource ${uri}`);
      return sup.readResource(uri);
    },
  };
}
