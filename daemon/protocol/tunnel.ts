import { z } from 'zod';
import { notification, request } from './define.js';
import { ServerName } from './spec.js';

/**
 * `berth connect` carries its client's MCP messages over the daemon socket to a proxy session in
 * the daemon, the same one the gateway serves. A message is any JSON value, passed on as it is:
 * the MCP session at the other end reads it, not the tunnel.
 */
export const McpOpen = request('mcp/open', z.object({ name: ServerName }).strict(), z.object({ channel: z.string() }));
/** An MCP message on a channel, either way. */
export const McpMessage = notification('mcp/message', z.object({ channel: z.string().max(100), message: z.unknown() }));
/** The client went away (its stdin ended): the channel's session ends. */
export const McpClose = notification('mcp/close', z.object({ channel: z.string().max(100) }));
