import type { BerthTool } from '../tool.js';

/** Docker itself, on any host: containers, images, networks, volumes, system. */
export const dockerTools: BerthTool[] = [];
