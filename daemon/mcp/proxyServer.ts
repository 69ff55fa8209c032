import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  type CallToolResult,
  type GetPromptResult,
  type Progress,
  type ReadResourceResult,
} from '@modelcontextprotocol/sdk/types.js';
import type { Capabilities } from '../protocol/status.js';
import type { CallContext } from './callContext.js';


/** What a proxied MCP server offers: the cached capabilities and the calls behind them. */
export interface McpBackend {
  name: string;
  version: string;
  capabilities(): Capabilities;
  callTool(tool: string, args: Record<string, unknown> | undefined, ctx: CallContext): Promise<CallToolResult>;
  getPrompt(prompt: string, args: Record<string, string> | undefined): Promise<GetPromptResult>;
  readResource(uri: string): Promise<ReadResourceResult>;
}

/**
 * An MCP server that answers from the backend's cached capabilities and forwards calls. Each
 * client session gets one of these; they all share the backend's single session with the
 * container, so `initialize` never reaches the container again and request ids never collide.
 */
export function createProxyServer(backend: McpBackend): Server {
  const caps = backend.capabilities();
  const server = new Server(
    { name: backend.name, version: backend.version },
    {
      capabilities: { tools: { listChanged: true }, prompts: { listChanged: true }, resources: { listChanged: true } },
      instructions: caps.instructions,
    },
  );
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: backend.capabilities().tools }));
  server.setRequestHandler(ListPromptsRequestSchema, () => ({ prompts: backend.capabilities().prompts }));
  server.setRequestHandler(ListResourcesRequestSchema, () => ({ resources: backend.capabilities().resources }));
  server.setRequestHandler(CallToolRequestSchema, (req, extra) => {
    const token = req.params._meta?.progressToken;
    const onprogress =
      token === undefined
        ? undefined
        : (p: Progress) => void extra.sendNotification({ method: 'notifications/progress', params: { ...p, progressToken: token } }).catch(() => undefined);
    const client = server.getClientVersion()?.name ?? 'unknown';
    return backend.callTool(req.params.name, req.params.arguments, { signal: extra.signal, onprogress, client });
  });
  server.setRequestHandler(GetPromptRequestSchema, (req) => backend.getPrompt(req.params.name, req.params.arguments));
  server.setRequestHandler(ReadResourceRequestSchema, (req) => backend.readResource(req.params.uri));
  return server;
}
