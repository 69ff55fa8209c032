import { z } from 'zod';
import { BerthMcpSettings } from './berthMcp.js';
import { notification, request } from './define.js';
import { ServerName } from './spec.js';

/**
 * `berth connect` carries its client's MCP messages over the daemon socket to a proxy session in
 * the daemon, the same one the gateway serves. A message is any JSON value, passed on as it is:
 * the MCP session at the other end reads it, not the tunnel. `berth mcp` opens the same kind of
 * channel onto Berth's own tools, with the settings its flags chose.
 */
export const McpOpen = request(
  'mcp/open',
  z
    .object({
      /** A server's name: `berth connect NAME`. */
      name: ServerName.optional(),
      /** Berth's own tools instead, under these settings: `berth mcp`. */
      berth: BerthMcpSettings.omit({ tools: true }).optional(),
    })
    .strict()
    .refine((p) => (p.name === undefined) !== (p.berth === undefined), 'give exactly one of name or berth'),
  z.object({ channel: z.string() }),
);
export type McpOpenParams = z.infer<typeof McpOpen.params>;
/** An MCP message on a channel, either way. */
export const McpMessage = notification('mcp/message', z.object({ channel: z.string().max(100), message: z.unknown() }));
/** The client went away (its stdin ended): the channel's session ends. */
export const McpClose = notification('mcp/close', z.object({ channel: z.string().max(100) }));
