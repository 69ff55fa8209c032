import type { ServerSpecInput } from '../protocol/spec.js';
import { MCP_HOME } from '../images/baseImage.js';

export interface CatalogEntry {
  id: string;
  description: string;
  /** The spec a server added from this entry starts with; the user's spec overrides it field by field. */
  spec: Partial<ServerSpecInput> & { image: string; build: { npm: string; version: string } };
  /** Said to the user when the entry cannot run without something from them. */
  requires?: { volumeTarget: string; hint: string };
}

const OFFICIAL_VERSION = '2026.8.31';

function official(id: string, description: string, extra: Pick<ServerSpecInput, 'env' | 'args' | 'state'> = {}): CatalogEntry {
  const npm = `@modelcontextprotocol/server-${id}`;
  return {
    id,
    description,
    spec: {
      ...extra,
      description,
      image: `berth/mcp-${id}:${OFFICIAL_VERSION}`,
      build: { npm, version: OFFICIAL_VERSION },
      transport: 'stdio',
      limits: { memory: '256m', cpus: '1', pids: 128 },
    },
  };
}

/** The built-in catalog: the official reference servers published on npm. */
export const CATALOG: readonly CatalogEntry[] = [
  official('everything', 'Reference server exercising every MCP feature: tools, prompts, resources, sampling.'),
  official('memory', 'A knowledge graph the agent can write to and query, kept in a volume of its own.', {
    // The root filesystem is read-only and /tmp is lost with the container: the graph lives in the
    // server's state volume, at the base image's home of its user (so the volume starts owned by it).
    env: { MEMORY_FILE_PATH: `${MCP_HOME}/memory.jsonl` },
    state: MCP_HOME,
  }),
  {
    ...official('filesystem', 'Read and search files in one mounted folder (read-only unless mounted rw).', { args: ['/data'] }),
    requires: { volumeTarget: '/data', hint: 'mount the folder to serve, e.g. --volume /path/to/project:/data' },
  },
  official('sequential-thinking', 'A tool for step-by-step, revisable problem solving.'),
];

export function findCatalogEntry(id: string): CatalogEntry | undefined {
  return CATALOG.find((e) => e.id === id);
}

export function searchCatalog(term: string | undefined): CatalogEntry[] {
  if (!term) return [...CATALOG];
  const t = term.toLowerCase();
  return CATALOG.filter((e) => e.id.includes(t) || e.description.toLowerCase().includes(t));
}
