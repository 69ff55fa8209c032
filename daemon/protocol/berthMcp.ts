import { z } from 'zod';
import { ToolPolicySpec } from './spec.js';

/**
 * How Berth's own MCP server behaves for one client: what it may change, what it may see, and
 * which tools that reach into containers are on. Safe when absent: read-only, Berth's containers
 * only, no exec or copy, destructive steps confirmed by the human.
 */
export const BerthMcpSettings = z
  .object({
    /** Tools that change anything (create, start, stop, remove, pull, build…) are off until this is on. */
    allowWrite: z.boolean().default(false),
    /** `managed`: the Docker tools see only Berth's containers; `all`: every container on the engine. */
    scope: z.enum(['managed', 'all']).default('managed'),
    /** Tools off unless named here even with writes on: `execute_command_in_container`, `copy_files_to_container`, `copy_files_from_container`, `build_image`. */
    enable: z.array(z.string().min(1).max(200)).max(64).default([]),
    /** Ask the human (MCP elicitation) before a destructive call; a client that cannot ask is refused while this is on. */
    confirmDestructive: z.boolean().default(true),
    /** Host folders the Docker tools may mount or read (besides the workspace folders Berth was given): absolute paths. */
    mountRoots: z.array(z.string().min(1).max(4096).refine((p) => p.startsWith('/'), 'must be an absolute path')).max(64).default([]),
    /** The same allow/deny/read-only policy a server's spec may set, over Berth's own tools. */
    tools: ToolPolicySpec.optional(),
  })
  .strict();
export type BerthMcpSettings = z.infer<typeof BerthMcpSettings>;
