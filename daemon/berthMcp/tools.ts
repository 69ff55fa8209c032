import { dockerTools } from './docker/tools.js';
import { serverTools } from './serverTools.js';
import type { BerthTool } from './tool.js';

/** Every tool Berth serves as an MCP server, in the order clients list them. */
export const BERTH_TOOLS: BerthTool[] = [...serverTools, ...dockerTools];
