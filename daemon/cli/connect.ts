import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import {
  CallToolRequestSchema,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { berthPaths } from '../paths.js';
import * as M from '../protocol/methods.js';
import type { Capabilities } from '../protocol/status.js';
import { connectDaemon } from './client.js';

/**
 * `berth connect NAME`: an MCP server on this process's stdio that forwards to the daemon's one
 * session with the server's container. Every client that spawns this shares that container;
 * nothing is started per client, so nothing leaks when a client goes away.
 */
export async function runConnect(name: string): Promise<void> {
  const daemon = await connectDaemon(berthPaths(), 'berth-connect');
  let [status] = await daemon.request(M.ServersList, { name });
  if (status?.phase !== 'healthy') status = await daemon.request(M.ServersStart, { name });
  let caps: Capabilities | undefined = status.capabilities;
  if (!caps) throw new Error(`server ${name} started but offered no capabilities`);

  const server = new Server(
    { name: `berth/${name}`, version: caps.serverInfo?.version ?? '0.0.0' },
    {
      capabilities: { tools: { listChanged: true }, prompts: { listChanged: true }, resources: { listChanged: true } },
      instructions: caps.instructions,
    },
  );
  const current = (): Capabilities => {
    if (!caps) throw new Error(`server ${name} is not running`);
    return caps;
  };
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: current().tools }));
  server.setRequestHandler(ListPromptsRequestSchema, () => ({ prompts: current().prompts }));
  server.setRequestHandler(ListResourcesRequestSchema, () => ({ resources: current().resources }));
  server.setRequestHandler(CallToolRequestSchema, (req) => daemon.request(M.ServersCallTool, { name, tool: req.params.name, arguments: req.params.arguments }));
  server.setRequestHandler(GetPromptRequestSchema, (req) => daemon.request(M.ServersGetPrompt, { name, prompt: req.params.name, arguments: req.params.arguments }));
  server.setRequestHandler(ReadResourceRequestSchema, (req) => daemon.request(M.ServersReadResource, { name, uri: req.params.uri }));

  // Tell the client when the server's offer changes (a restart with a new image, say).
  daemon.on(M.ServersDidChange, (p) => {
    const next = p.servers.find((s) => s.name === name)?.capabilities;
    if (!next) return;
    const changed = JSON.stringify(next.tools) !== JSON.stringify(caps?.tools);
    caps = next;
    if (changed) void server.sendToolListChanged().catch(() => undefined);
  });

  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = resolve;
    process.stdin.once('end', resolve);
    daemon.connection.onClose(resolve);
  });
  await server.connect(transport);
  await closed;
  daemon.close();
}
