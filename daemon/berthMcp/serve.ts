import type { McpBackend } from '../mcp/proxyServer.js';
import type { BerthMcpSettings } from '../protocol/berthMcp.js';
import { berthBackend } from './backend.js';
import { endpointSettings, FLAG_HINTS } from './settingsFile.js';
import type { BerthMcpDeps, BerthTool } from './tool.js';

/** Berth's own MCP server as the gateway serves it: the `/berth` endpoint, and a `berth mcp` channel per client. */
export interface BerthServing {
  /** `/berth`: settings from the user's `mcp.yaml`, read at each call. */
  endpoint: McpBackend;
  /** `berth mcp`: settings from its flags; the tool policy (allow/deny/read-only) and the mount roots also from `mcp.yaml`. */
  forFlags(flags: Omit<BerthMcpSettings, 'tools'>): McpBackend;
}

export function berthServing(deps: BerthMcpDeps, tools: BerthTool[], settingsFile: string): BerthServing {
  const file = endpointSettings(settingsFile);
  return {
    endpoint: berthBackend(deps, tools, file.settings, file.hints),
    forFlags: (flags) =>
      berthBackend(
        deps,
        tools,
        () => {
          const fromFile = file.settings();
          return { ...flags, tools: fromFile.tools, mountRoots: [...flags.mountRoots, ...fromFile.mountRoots] };
        },
        FLAG_HINTS,
      ),
  };
}
