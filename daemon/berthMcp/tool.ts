import { z } from 'zod';
import type { Hosts } from '../hosts/hosts.js';
import type { AuditLog } from '../logs/audit.js';
import type { LogStore } from '../logs/store.js';
import type { CallContext } from '../mcp/callContext.js';
import type { BerthMcpSettings } from '../protocol/berthMcp.js';
import type { Registry } from '../servers/registry.js';

/** What Berth's own tools work on: the daemon's registry of servers, its hosts (and their engines), its logs. */
export interface BerthMcpDeps {
  registry: Registry;
  hosts: Hosts;
  logs: LogStore;
  audit: AuditLog;
}

/** What a tool's run gets besides its arguments. */
export interface ToolRun {
  deps: BerthMcpDeps;
  /** The host the call names (`local` unless it says otherwise), already checked to exist. */
  host: string;
  /** The host the call named, undefined when it named none: a filter for listings, a check for tools that name a server. */
  namedHost?: string;
  settings: BerthMcpSettings;
  call: CallContext;
  /** Tells the caller how far a long step is (a pull, a build, a start). */
  progress: (message: string) => void;
}

export interface ToolResult<O> {
  /** The structured content, as the tool's output schema says. */
  structured: O;
  /** The same for a human (and a model): short, complete sentences or a small table. */
  text: string;
}

export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  /** Reaches outside the engine (a registry for pull and push). */
  openWorldHint?: boolean;
}

/**
 * One of Berth's own MCP tools. `readOnlyHint: false` makes it a write, off until the user turns
 * writes on; `destructiveHint: true` makes the human confirm it first; `optIn` keeps it off until
 * named in the settings' `enable` (exec and copy reach inside containers).
 */
export interface ToolDefinition<I extends z.ZodObject, O extends z.ZodObject> {
  name: string;
  title: string;
  description: string;
  input: I;
  output: O;
  annotations: ToolAnnotations;
  optIn?: boolean;
  /** The question put to the human before a destructive call, naming what it changes. */
  confirm?: (args: z.output<I>, host: string) => string;
  /** Checked before the human is asked (that the thing named exists), so a call that cannot succeed is refused without a question. */
  precheck?: (args: z.output<I>, run: ToolRun) => Promise<void>;
  run(args: z.output<I>, run: ToolRun): Promise<ToolResult<z.input<O>>>;
}

/** A tool with its types erased, as the backend holds them all. */
export type BerthTool = ToolDefinition<z.ZodObject, z.ZodObject>;

/** Keeps a tool's argument and result types checked against its schemas where it is written. */
export function defineTool<I extends z.ZodObject, O extends z.ZodObject>(tool: ToolDefinition<I, O>): BerthTool {
  return tool;
}

/** A refusal or a failure the caller can act on: becomes a tool result with `isError`, its message the one sentence. */
export class ToolFailure extends Error {}
