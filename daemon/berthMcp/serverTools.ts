import type { BerthTool } from './tool.js';

/** Berth's MCP servers: create, list, inspect, start, stop, restart, remove, logs, tools, stats and health. */
export const serverTools: BerthTool[] = [];
