/** The labels and names Berth puts on what it creates, and finds it by again. */
export const LABEL = {
  managed: 'berth.managed',
  instance: 'berth.instance',
  server: 'berth.server',
  specHash: 'berth.spec-hash',
  host: 'berth.host',
  /** On an egress proxy and its network: the server they serve (they carry no berth.server). */
  egressFor: 'berth.egress-for',
  /** On what Berth's MCP Docker tools create for an agent (`mcp`): managed, but no server's and no home's. */
  createdBy: 'berth.created-by',
  /** On a throwaway server of a test run: the run's id. Such containers are never adopted, only removed. */
  testRun: 'berth.test-run',
} as const;

export function containerName(instance: string, server: string): string {
  return `berth-${instance}-${server}`;
}

/** The named volume that holds a server's `state:` folder. */
export function stateVolumeName(instance: string, server: string): string {
  return `berth-${instance}-${server}-state`;
}
