import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createProxyServer } from '../mcp/proxyServer.js';
import { berthPaths } from '../protocol/paths.js';
import * as M from '../protocol/methods.js';
import type { Capabilities } from '../protocol/status.js';
import { connectDaemon } from '../client/client.js';

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

  const server = createProxyServer({
    name: `berth/${name}`,
    version: caps.serverInfo?.version ?? '0.0.0',
    capabilities: () => {
      if (!caps) throw new Error(`server ${name} is not running`);
      return caps;
    },
    callTool: (tool, args, ctx) => daemon.request(M.ServersCallTool, { name, tool, arguments: args, client: ctx.client }),
    getPrompt: (prompt, args) => daemon.request(M.ServersGetPrompt, { name, prompt, arguments: args }),
    readResource: (uri) => daemon.request(M.ServersReadResource, { name, uri }),
  });

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
