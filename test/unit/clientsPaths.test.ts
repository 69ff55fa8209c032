import { describe, expect, it } from 'vitest';
import { clientDef, CLIENTS } from '../../daemon/clients/clients.js';
import { daemonLauncher } from '../../daemon/clients/endpoint.js';
import type { ClientEnv } from '../../daemon/clients/platform.js';
import type { ClientId } from '../../daemon/protocol/clients.js';

const linux: ClientEnv = { home: '/home/me', platform: 'linux', env: {} };
const mac: ClientEnv = { home: '/Users/me', platform: 'darwin', env: {} };
const win: ClientEnv = { home: 'C:\\Users\\me', platform: 'win32', env: { APPDATA: 'C:\\Users\\me\\AppData\\Roaming' } };

const USER_FILES: Record<ClientId, [linux: string, mac: string, win: string]> = {
  'claude-desktop': [
    '/home/me/.config/Claude/claude_desktop_config.json',
    '/Users/me/Library/Application Support/Claude/claude_desktop_config.json',
    'C:\\Users\\me\\AppData\\Roaming\\Claude\\claude_desktop_config.json',
  ],
  'claude-code': ['/home/me/.claude.json', '/Users/me/.claude.json', 'C:\\Users\\me\\.claude.json'],
  cursor: ['/home/me/.cursor/mcp.json', '/Users/me/.cursor/mcp.json', 'C:\\Users\\me\\.cursor\\mcp.json'],
  windsurf: ['/home/me/.codeium/windsurf/mcp_config.json', '/Users/me/.codeium/windsurf/mcp_config.json', 'C:\\Users\\me\\.codeium\\windsurf\\mcp_config.json'],
  cline: [
    '/home/me/.config/Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json',
    '/Users/me/Library/Application Support/Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json',
    'C:\\Users\\me\\AppData\\Roaming\\Code\\User\\globalStorage\\saoudrizwan.claude-dev\\settings\\cline_mcp_settings.json',
  ],
  continue: ['/home/me/.continue/config.yaml', '/Users/me/.continue/config.yaml', 'C:\\Users\\me\\.continue\\config.yaml'],
  vscode: ['/home/me/.config/Code/User/mcp.json', '/Users/me/Library/Application Support/Code/User/mcp.json', 'C:\\Users\\me\\AppData\\Roaming\\Code\\User\\mcp.json'],
};

describe('client file paths on Linux, macOS and Windows', () => {
  it('covers every client', () => {
    expect(CLIENTS.map((c) => c.id).sort()).toEqual(Object.keys(USER_FILES).sort());
  });
  for (const [id, [l, m, w]] of Object.entries(USER_FILES) as [ClientId, [string, string, string]][]) {
    it(id, () => {
      const def = clientDef(id);
      expect([def.userFile(linux), def.userFile(mac), def.userFile(win)]).toEqual([l, m, w]);
    });
  }

  it('follows XDG_CONFIG_HOME on Linux, and finds the roaming folder on Windows without APPDATA', () => {
    const xdg = { ...linux, env: { XDG_CONFIG_HOME: '/home/me/cfg' } };
    expect(clientDef('vscode').userFile(xdg)).toBe('/home/me/cfg/Code/User/mcp.json');
    expect(clientDef('claude-desktop').userFile(xdg)).toBe('/home/me/cfg/Claude/claude_desktop_config.json');
    expect(clientDef('claude-desktop').userFile({ ...win, env: {} })).toBe('C:\\Users\\me\\AppData\\Roaming\\Claude\\claude_desktop_config.json');
  });

  it('has project files only where the client reads one', () => {
    const projects = CLIENTS.filter((c) => c.projectFile !== undefined).map((c) => [c.id, c.projectFile!(linux, '/src/app'), c.projectFile!(win, 'D:\\src\\app')]);
    expect(projects).toEqual([
      ['claude-code', '/src/app/.mcp.json', 'D:\\src\\app\\.mcp.json'],
      ['cursor', '/src/app/.cursor/mcp.json', 'D:\\src\\app\\.cursor\\mcp.json'],
      ['vscode', '/src/app/.vscode/mcp.json', 'D:\\src\\app\\.vscode\\mcp.json'],
    ]);
  });
});

describe('the command Berth writes into entries', () => {
  const proc = { argv: ['/usr/bin/node', '/opt/berth/dist/berth.js', 'daemon'], execPath: '/usr/bin/node', env: {}, versions: process.versions };

  it('runs a .js bundle with the absolute Node that runs the daemon', () => {
    expect(daemonLauncher(proc)).toEqual({ command: '/usr/bin/node', args: ['/opt/berth/dist/berth.js'], env: {} });
  });
  it('passes BERTH_HOME on, and makes Electron act as Node', () => {
    const electron = { ...proc, execPath: '/usr/share/code/code', env: { BERTH_HOME: '/tmp/bh' }, versions: { ...process.versions, electron: '37.0.0' } };
    expect(daemonLauncher(electron)).toEqual({ command: '/usr/share/code/code', args: ['/opt/berth/dist/berth.js'], env: { BERTH_HOME: '/tmp/bh', ELECTRON_RUN_AS_NODE: '1' } });
  });
  it('runs a packaged executable directly', () => {
    expect(daemonLauncher({ ...proc, argv: ['/usr/local/bin/berth', '/usr/local/bin/berth', 'daemon'] })).toMatchObject({ command: '/usr/local/bin/berth', args: [] });
  });
});
