import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CatalogItem } from '../../daemon/protocol/catalog.js';
import { Phase } from '../../daemon/protocol/status.js';
import {
  childrenOf,
  contextValue,
  descriptionOf,
  groupByHost,
  iconOf,
  isBerthNode,
  labelOf,
  nodeId,
  serverTooltip,
  type BerthNode,
} from '../../extension/tree/nodes.js';
import { caps, status } from './extensionServers.js';

const NEEDS_APPROVAL = { state: 'needs-approval' as const, folder: '/ws', reason: 'server a comes from the workspace /ws and runs only once you approve what it asks for', asks: ['image x:1', 'your secrets: GITHUB_TOKEN'], hash: 'h' };

interface MenuItem {
  command: string;
  when: string;
}

/** The context menus of tree items, as package.json contributes them. */
function itemMenus(): MenuItem[] {
  const manifest = JSON.parse(readFileSync(path.resolve('package.json'), 'utf8')) as { contributes: { menus: Record<string, MenuItem[]> } };
  return manifest.contributes.menus['view/item/context'] ?? [];
}

/** Every `viewItem =~ /…/` of a when clause; all of them must match for the item to show. */
function viewItemRegexes(when: string): RegExp[] {
  return [...when.matchAll(/viewItem =~ \/((?:[^/\\]|\\.)+)\/([a-z]*)/g)].map((m) => new RegExp(m[1] ?? '', m[2]));
}

/** For each menu entry of `command` on nodes of `kind`: the regexes that together show it. */
/** A catalog entry of the given catalog, runnable unless a reason is given. */
function catalogEntry(catalog: string, unrunnable?: string): CatalogItem {
  return { id: 'e', catalog, description: '', source: 'npm e', serverName: 'e', inputs: [], secrets: [], mounts: [], network: 'none', ...(unrunnable ? { unrunnable } : { spec: {} }) };
}

function menuRegexes(command: string, kind: string): RegExp[][] {
  const found = itemMenus()
    .filter((m) => m.command === command)
    .map((m) => viewItemRegexes(m.when))
    .filter((all) => all.some((re) => re.source.startsWith(`^${kind};`)));
  if (!found.length) throw new Error(`package.json has no item menu for ${command} on ${kind} nodes`);
  return found;
}

describe('servers tree mapping', () => {
  it('groups servers by host, local first, servers sorted by name', () => {
    const hosts = groupByHost([status('b'), status('r', { host: 'ssh://me@box' }), status('a')]);
    expect(hosts.map((h) => h.host)).toEqual(['local', 'ssh://me@box']);
    expect(hosts[0]?.servers.map((s) => s.name)).toEqual(['a', 'b']);
    expect(labelOf(hosts[0] as BerthNode)).toBe('Local engine');
    expect(descriptionOf(hosts[0] as BerthNode)).toBe('2/2 running');
  });

  it('shows only the capability groups a server has, with counts', () => {
    const server: BerthNode = { kind: 'server', server: status('ev', { capabilities: caps(['echo', 'add'], [], ['r1']) }) };
    const groups = childrenOf(server);
    expect(groups.map(labelOf)).toEqual(['Tools (2)', 'Resources (1)']);
    const tools = childrenOf(groups[0] as BerthNode);
    expect(tools.map(labelOf)).toEqual(['echo', 'add']);
    expect(descriptionOf(tools[0] as BerthNode)).toBe('echo tool');
  });

  it('has no children for a server whose tools are not known yet', () => {
    expect(childrenOf({ kind: 'server', server: status('ev', { phase: 'stopped' }) })).toEqual([]);
  });

  it('gives stable ids that do not depend on the status object', () => {
    const a = nodeId({ kind: 'server', server: status('ev') });
    const b = nodeId({ kind: 'server', server: status('ev', { phase: 'stopped' }) });
    expect(a).toBe(b);
    expect(nodeId({ kind: 'tool', server: status('ev'), tool: { name: 'echo', inputSchema: { type: 'object' } } })).toBe('tool:local/ev/echo');
  });

  it('puts CPU and memory in a running server description, not a stopped one', () => {
    const stats = { cpuPercent: 1.234, memoryBytes: 20 * 1024 * 1024, memoryLimitBytes: 256 * 1024 * 1024, networkRxBytes: 0, networkTxBytes: 0, pids: 3 };
    expect(descriptionOf({ kind: 'server', server: status('ev', { stats, restartCount: 2 }) })).toBe('healthy · 1.2% CPU · 20.0 MiB · 2 restarts');
    expect(descriptionOf({ kind: 'server', server: status('ev', { stats, phase: 'stopped' }) })).toBe('stopped');
  });

  it('maps every phase to a themed icon', () => {
    expect(iconOf({ kind: 'server', server: status('a') })).toEqual({ id: 'pass-filled', color: 'testing.iconPassed' });
    expect(iconOf({ kind: 'server', server: status('a', { phase: 'starting' }) }).id).toBe('loading~spin');
    expect(iconOf({ kind: 'server', server: status('a', { phase: 'oom-killed' }) }).color).toBe('list.errorForeground');
  });

  it('writes a tooltip with image, container, restarts, message and health history', () => {
    const now = 1_000_000;
    const text = serverTooltip(
      status('ev', {
        containerId: 'abcdef0123456789',
        restartCount: 1,
        phase: 'unhealthy',
        message: 'ping timed out',
        health: [
          { t: now - 30_000, ok: true, ms: 2.4 },
          { t: now - 15_000, ok: false, error: 'timeout' },
        ],
      }),
      now,
    );
    expect(text).toContain('`berth/mcp-ev:1`');
    expect(text).toContain('`abcdef012345`');
    expect(text).toContain('Restarts: 1');
    expect(text).toContain('ping timed out');
    expect(text).toContain('$(check) 30s ago, 2 ms');
    expect(text).toContain('$(x) 15s ago — timeout');
  });

  it('flags a remote server and an external command in the description and the tooltip, and says what a container was built from', () => {
    const remote = status('hosted', { kind: 'remote', image: 'https://mcp.example.test/mcp' });
    const external = status('local', { kind: 'external', image: '/usr/bin/node server.js' });
    expect(descriptionOf({ kind: 'server', server: remote })).toBe('remote · healthy');
    expect(descriptionOf({ kind: 'server', server: external })).toBe('not isolated · healthy');
    expect(serverTooltip(remote)).toContain('Remote: `https://mcp.example.test/mcp` (hosted elsewhere, not a container)');
    expect(serverTooltip(external)).toContain('Command: `/usr/bin/node server.js` $(warning) runs on this machine, not isolated');
    expect(serverTooltip(status('g', { provenance: { kind: 'git', url: 'https://x.test/r.git', commit: '0123456789abcdef', path: 'srv' } }))).toContain('Built from: git https://x\\.test/r\\.git at 0123456789ab \\(srv\\)');
  });

  it("names the server's network, and an allowlist's rules", () => {
    expect(serverTooltip(status('a', { network: 'none' }))).toContain('Network: none');
    expect(serverTooltip(status('a', { network: { allow: ['api.github.com', '*.npmjs.org:443'] } }))).toContain('Network: egress only to api\\.github\\.com, \\*\\.npmjs\\.org:443');
  });
});

const update = { current: '2026.7.4', available: '2026.8.31', change: 'minor' as const, checkedAt: 0 };

describe('context values', () => {
  it('carry kind, phase, running state and locality as ;-terminated tokens', () => {
    expect(contextValue({ kind: 'server', server: status('a') })).toBe('server;healthy;running;local;container;');
    expect(contextValue({ kind: 'server', server: status('a', { phase: 'exited' }) })).toBe('server;exited;stopped;local;container;');
    expect(contextValue({ kind: 'server', server: status('a', { host: 'ssh://x' }) })).toBe('server;healthy;running;remote;container;');
    expect(contextValue({ kind: 'server', server: status('a', { kind: 'remote' }) })).toBe('server;healthy;running;local;remote;');
    expect(contextValue({ kind: 'tool', server: status('a', { phase: 'stopped' }), tool: { name: 't', inputSchema: { type: 'object' } } })).toBe('tool;stopped;');
    expect(contextValue({ kind: 'catalog', entry: catalogEntry('built-in') })).toBe('catalogEntry;builtIn;installable;');
    expect(contextValue({ kind: 'catalog', entry: catalogEntry('fx', 'it is a Python package') })).toBe('catalogEntry;added;unrunnable;');
  });

  it('show Start on every stopped server and Stop on every running one, by the menus in package.json', () => {
    const running = Phase.options.filter((p) => ['creating', 'starting', 'healthy', 'unhealthy'].includes(p));
    const shownOn = (entry: RegExp[]) =>
      Phase.options.filter((phase) => entry.every((re) => re.test(contextValue({ kind: 'server', server: status('a', { phase }) }))));
    for (const entry of menuRegexes('berth.server.start', 'server')) expect(shownOn(entry)).toEqual(Phase.options.filter((p) => !running.includes(p)));
    for (const entry of menuRegexes('berth.server.stop', 'server')) expect(shownOn(entry)).toEqual(running);
  });

  it('give every item menu in package.json a node it shows on', () => {
    const server = status('a', { capabilities: caps(['t'], ['p'], ['r']) });
    const nodes: BerthNode[] = [
      { kind: 'host', host: 'local', servers: [server] },
      { kind: 'host', host: 'ssh://me@box', servers: [] },
      ...Phase.options.map((phase): BerthNode => ({ kind: 'server', server: status('a', { phase }) })),
      { kind: 'server', server: status('a', { update }) },
      { kind: 'server', server: status('a', { approval: NEEDS_APPROVAL }) },
      ...childrenOf({ kind: 'server', server }).flatMap((g) => childrenOf(g)),
      { kind: 'catalog', entry: catalogEntry('built-in') },
      { kind: 'catalog', entry: catalogEntry('fx') },
      { kind: 'catalog', entry: catalogEntry('fx', 'it is a Python package') },
    ];
    const values = nodes.map(contextValue);
    for (const item of itemMenus()) {
      const regexes = viewItemRegexes(item.when);
      expect(regexes.length, `${item.command} (${item.when}) names no viewItem`).toBeGreaterThan(0);
      expect(values.some((v) => regexes.every((re) => re.test(v))), `${item.command} (${item.when}) shows on no node`).toBe(true);
    }
  });

  it('offer Approve, and nothing that would start it, on a workspace server that needs approval; it shows what it asks for', () => {
    const waiting = contextValue({ kind: 'server', server: status('a', { approval: NEEDS_APPROVAL }) });
    const refused = contextValue({ kind: 'server', server: status('a', { approval: { ...NEEDS_APPROVAL, state: 'refused', asks: undefined, hash: undefined } }) });
    const shown = (command: string, value: string) => menuRegexes(command, 'server').some((res) => res.every((re) => re.test(value)));
    expect(shown('berth.workspace.approveServer', waiting)).toBe(true);
    expect(shown('berth.workspace.approveServer', refused)).toBe(false);
    expect(shown('berth.workspace.approveServer', contextValue({ kind: 'server', server: status('a', { phase: 'stopped' }) }))).toBe(false);
    for (const v of [waiting, refused]) expect(shown('berth.server.start', v), v).toBe(false);
    expect(descriptionOf({ kind: 'server', server: status('a', { phase: 'stopped', approval: NEEDS_APPROVAL }) })).toBe('needs approval: image x:1; your secrets: GITHUB_TOKEN');
    expect(serverTooltip(status('a', { approval: NEEDS_APPROVAL }))).toContain('- your secrets: GITHUB\\_TOKEN');
  });

  it('offer Update only on servers with an update available, with a badge and a tooltip row', () => {
    const plain = contextValue({ kind: 'server', server: status('a') });
    const updatable = contextValue({ kind: 'server', server: status('a', { update }) });
    expect(updatable).toBe('server;healthy;running;local;container;update;');
    const shown = (value: string) => menuRegexes('berth.server.update', 'server').some((res) => res.every((re) => re.test(value)));
    expect(shown(updatable)).toBe(true);
    expect(shown(plain)).toBe(false);
    // Stop, matched on the tokens before, still shows on it.
    expect(menuRegexes('berth.server.stop', 'server').some((res) => res.every((re) => re.test(updatable)))).toBe(true);
    expect(descriptionOf({ kind: 'server', server: status('a', { update }) })).toBe('healthy · ↑ 2026.8.31');
    expect(serverTooltip(status('a', { update }))).toContain('Update: 2026\\.7\\.4 → 2026\\.8\\.31 (minor)');
  });

  it('offer Add on built-in entries only, Install on every entry Berth can run, and Show Details on all, by the menus in package.json', () => {
    const entries = [catalogEntry('built-in'), catalogEntry('fx'), catalogEntry('fx', 'it is a Python package')];
    const shownOn = (command: string) =>
      entries.filter((entry) => menuRegexes(command, 'catalogEntry').some((res) => res.every((re) => re.test(contextValue({ kind: 'catalog', entry }))))).map((e) => `${e.catalog}${e.unrunnable ? ' (unrunnable)' : ''}`);
    expect(shownOn('berth.catalog.add')).toEqual(['built-in']);
    expect(shownOn('berth.catalog.install')).toEqual(['built-in', 'fx']);
    expect(shownOn('berth.catalog.showDetails')).toEqual(['built-in', 'fx', 'fx (unrunnable)']);
  });

  it('recognizes only Berth nodes among command arguments', () => {
    expect(isBerthNode({ kind: 'server', server: status('a') })).toBe(true);
    expect(isBerthNode({ kind: 'file' })).toBe(false);
    expect(isBerthNode('ev')).toBe(false);
    expect(isBerthNode(undefined)).toBe(false);
  });
});
