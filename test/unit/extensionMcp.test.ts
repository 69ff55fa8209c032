import { describe, expect, it } from 'vitest';
import { berthMcpLaunch, connectLaunch, connectionInfo, definitionsKey, toolsVersion, VersionMemory } from '../../extension/mcp/definitions.js';
import { statusBarContent } from '../../extension/status/statusText.js';
import { caps, status } from './extensionServers.js';

describe('MCP definition versions', () => {
  it('change when the tools change, not when their order does', () => {
    const a = caps(['echo', 'add']).tools;
    expect(toolsVersion(a)).toBe(toolsVersion([...a].reverse()));
    expect(toolsVersion(a)).not.toBe(toolsVersion(caps(['echo']).tools));
    const changedSchema = a.map((t) => (t.name === 'add' ? { ...t, inputSchema: { type: 'object' as const } } : t));
    expect(toolsVersion(a)).not.toBe(toolsVersion(changedSchema));
  });

  it('survive a stop (capabilities forgotten) and report real changes', () => {
    const m = new VersionMemory();
    expect(m.update([status('ev', { capabilities: caps(['echo']) })])).toBe(true);
    const v = m.get('ev');
    expect(m.update([status('ev', { phase: 'stopped' })])).toBe(false);
    expect(m.get('ev')).toBe(v);
    expect(m.update([status('ev', { capabilities: caps(['echo', 'add']) })])).toBe(true);
    expect(m.update([])).toBe(true);
    expect(m.get('ev')).toBeUndefined();
    expect(new VersionMemory(m.toJSON()).toJSON()).toEqual(m.toJSON());
  });

  it('key the definition set by name and version only (stats ticks do not count)', () => {
    const m = new VersionMemory();
    const one = [status('ev', { capabilities: caps(['echo']) })];
    m.update(one);
    const key = definitionsKey(one, m);
    const tick = [status('ev', { capabilities: caps(['echo']), stats: { cpuPercent: 3, memoryBytes: 1, memoryLimitBytes: 2, networkRxBytes: 0, networkTxBytes: 0, pids: 1 } })];
    expect(definitionsKey(tick, m)).toBe(key);
    expect(definitionsKey([...one, status('mem')], m)).not.toBe(key);
  });
});

describe('berth connect launch', () => {
  it('runs a .js CLI with the editor Node, as Node, and passes BERTH_HOME on', () => {
    expect(connectLaunch('ev', { execPath: '/electron', berthEntry: '/ext/dist/berth.js', berthHome: '/tmp/h' })).toEqual({
      command: '/electron',
      args: ['/ext/dist/berth.js', 'connect', 'ev'],
      env: { ELECTRON_RUN_AS_NODE: '1', BERTH_HOME: '/tmp/h' },
    });
  });

  it('runs an executable CLI directly', () => {
    expect(connectLaunch('ev', { execPath: '/node', berthEntry: '/usr/bin/berth' })).toEqual({ command: '/usr/bin/berth', args: ['connect', 'ev'], env: { ELECTRON_RUN_AS_NODE: '1' } });
  });

  it('copies an mcpServers entry other clients understand', () => {
    expect(JSON.parse(connectionInfo('ev', '/ext/dist/berth.js'))).toEqual({ mcpServers: { ev: { command: 'node', args: ['/ext/dist/berth.js', 'connect', 'ev'] } } });
  });
});

describe('status bar', () => {
  const connected = { kind: 'connected' as const, daemonVersion: '0.1.0', pid: 7, engine: { ok: true, version: '20.10' }, specErrors: [], notices: [] };

  it('counts running servers', () => {
    const c = statusBarContent(connected, [status('a'), status('b', { phase: 'stopped' })]);
    expect(c.text).toBe('$(server-process) Berth 1');
    expect(c.severity).toBe('ok');
    expect(c.tooltip).toContain('1 of 2 servers running');
  });

  it('says when Docker is missing', () => {
    const c = statusBarContent({ ...connected, engine: { ok: false, error: 'connect ENOENT /var/run/docker.sock' } }, []);
    expect(c.severity).toBe('error');
    expect(c.tooltip).toContain('connect ENOENT /var/run/docker.sock');
  });

  it('warns about unhealthy servers and spec errors', () => {
    const c = statusBarContent({ ...connected, specErrors: ['servers.yaml: bad'] }, [status('a', { phase: 'unhealthy', message: 'no pong' })]);
    expect(c.severity).toBe('warning');
    expect(c.tooltip).toContain('a: unhealthy — no pong');
    expect(c.tooltip).toContain('spec error: servers.yaml: bad');
  });

  it("warns about the daemon's own notices, such as a damaged state file it set aside", () => {
    const c = statusBarContent({ ...connected, notices: ['desired.json was damaged'] }, [status('a')]);
    expect(c.severity).toBe('warning');
    expect(c.tooltip).toContain('notice: desired.json was damaged');
  });

  it('shows connecting and failure states', () => {
    expect(statusBarContent({ kind: 'connecting' }, []).text).toContain('loading~spin');
    expect(statusBarContent({ kind: 'failed', error: 'boom' }, []).severity).toBe('error');
  });
});

describe('berth mcp launch (the "Berth" definition)', () => {
  it('is read-only unless the setting allows writes, with the same Node and BERTH_HOME as berth connect', () => {
    const from = { execPath: '/electron', berthEntry: '/ext/dist/berth.js', berthHome: '/tmp/h' };
    expect(berthMcpLaunch({ ...from, allowWrite: false })).toEqual({ command: '/electron', args: ['/ext/dist/berth.js', 'mcp'], env: { ELECTRON_RUN_AS_NODE: '1', BERTH_HOME: '/tmp/h' } });
    expect(berthMcpLaunch({ ...from, allowWrite: true }).args).toEqual(['/ext/dist/berth.js', 'mcp', '--allow-write']);
    expect(berthMcpLaunch({ execPath: '/node', berthEntry: '/usr/bin/berth', allowWrite: true })).toEqual({ command: '/usr/bin/berth', args: ['mcp', '--allow-write'], env: { ELECTRON_RUN_AS_NODE: '1' } });
  });
});
