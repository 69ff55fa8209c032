import { randomUUID } from 'node:crypto';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import type { Gateway } from '../gateway/server.js';
import type { TunnelTransport } from '../gateway/tunnel.js';
import { McpClose, McpMessage, McpOpen } from '../protocol/tunnel.js';
import { handle, isInitialized, notify } from './rpc.js';

/**
 * The daemon's end of `berth connect` and `berth mcp`: each channel a connection opens is a proxy session of the
 * gateway, fed with the client's messages; it ends when the client closes it or the connection goes.
 */
export function registerTunnelHandlers(connection: MessageConnection, deps: { gateway: Gateway; sync(): Promise<void> }): void {
  const channels = new Map<string, TunnelTransport>();
  handle(connection, McpOpen, async (p) => {
    await deps.sync();
    const channel = randomUUID();
    const transport = await deps.gateway.openTunnel(p, (message) => notify(connection, McpMessage, { channel, message }));
    channels.set(channel, transport);
    return { channel };
  });
  connection.onNotification(McpMessage.method, (raw: unknown) => {
    const p = McpMessage.params.safeParse(raw);
    if (p.success && isInitialized(connection)) channels.get(p.data.channel)?.receive(p.data.message);
  });
  connection.onNotification(McpClose.method, (raw: unknown) => {
    const p = McpClose.params.safeParse(raw);
    if (!p.success) return;
    void channels.get(p.data.channel)?.close();
    channels.delete(p.data.channel);
  });
  connection.onClose(() => {
    for (const transport of channels.values()) void transport.close();
    channels.clear();
  });
}
