// Server statuses for the extension's unit tests, shaped like the daemon's answers.
import type { ServerStatus } from '../../daemon/protocol/status.js';

export function status(name: string, over: Partial<ServerStatus> = {}): ServerStatus {
  return {
    name,
    host: 'local',
    image: `berth/mcp-${name}:1`,
    source: '/home/u/.config/berth/servers.yaml',
    phase: 'healthy',
    restartCount: 0,
    health: [],
    ...over,
  };
}

export const caps = (tools: string[], prompts: string[] = [], resources: string[] = []): NonNullable<ServerStatus['capabilities']> => ({
  tools: tools.map((name) => ({ name, description: `${name} tool\nsecond line`, inputSchema: { type: 'object', properties: { x: { type: 'string' } } } })),
  prompts: prompts.map((name) => ({ name })),
  resources: resources.map((name) => ({ name, uri: `test://${name}` })),
});
