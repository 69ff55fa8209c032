/** Per-server tool policy, from the spec's `tools:` field. */
export interface ToolPolicy {
  /** Only these tools (exact names) are offered. */
  allow?: string[];
  /** These tools are never offered. */
  deny?: string[];
  /** Only tools that declare `annotations.readOnlyHint: true`. */
  readOnly?: boolean;
}

export interface ToolLike {
  name: string;
  annotations?: { readOnlyHint?: boolean } & Record<string, unknown>;
}

/** Why `tool` is blocked by the policy, as one sentence; undefined when it is allowed. */
export function policyBlock(tool: ToolLike, policy: ToolPolicy | undefined, server?: string): string | undefined {
  if (!policy) return undefined;
  const where = server ? ` of server ${server}` : '';
  const q = JSON.stringify(tool.name);
  if (policy.deny?.includes(tool.name)) return `tool ${q} is blocked by the deny list (tools.deny)${where}`;
  if (policy.allow && !policy.allow.includes(tool.name)) return `tool ${q} is blocked by the allow list (tools.allow)${where}, which does not name it`;
  if (policy.readOnly && tool.annotations?.readOnlyHint !== true) {
    return `tool ${q} is blocked by read-only mode (tools.readOnly)${where}: it does not declare annotations.readOnlyHint: true`;
  }
  return undefined;
}

/** The tools the policy lets through; blocked tools are not even listed. */
export function filterTools<T extends ToolLike>(tools: T[], policy: ToolPolicy | undefined): T[] {
  return tools.filter((t) => policyBlock(t, policy) === undefined);
}

/**
 * Whether a call may go through: the tool must be offered and pass the policy. A tool called by
 * name that the server does not offer is refused too, since read-only mode cannot judge it.
 */
export function checkCall(tool: string, tools: ToolLike[], policy: ToolPolicy | undefined, server?: string): string | undefined {
  const def = tools.find((t) => t.name === tool);
  const blocked = policyBlock(def ?? { name: tool }, policy, server);
  if (blocked) return blocked;
  if (!def) return `tool ${JSON.stringify(tool)} is not offered${server ? ` by server ${server}` : ''}`;
  return undefined;
}
