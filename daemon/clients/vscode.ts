import type { ClientDef } from './client.js';
import { stdioFields } from './client.js';
import { joiner, vscodeUserDir } from './platform.js';

/**
 * VS Code's own `mcp.json`: in the user folder, or `.vscode/mcp.json` in a workspace. Its top key
 * is `servers`, not `mcpServers`. (The Berth extension registers servers natively; this file is
 * for a VS Code without it.)
 */
export const vscode: ClientDef = {
  id: 'vscode',
  label: 'VS Code',
  shape: { format: 'json', container: 'servers' },
  installDir: (e) => vscodeUserDir(e),
  userFile: (e) => joiner(e)(vscodeUserDir(e), 'mcp.json'),
  projectFile: (e, project) => joiner(e)(project, '.vscode', 'mcp.json'),
  entry: (ep) => {
    switch (ep.kind) {
      case 'stdio':
        return { type: 'stdio', ...stdioFields(ep) };
    }
  },
};
