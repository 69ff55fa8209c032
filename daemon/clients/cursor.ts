import type { ClientDef } from './client.js';
import { stdioFields } from './client.js';
import { joiner } from './platform.js';

/** Cursor: `~/.cursor/mcp.json` for every project, `.cursor/mcp.json` inside one (same on every platform). */
export const cursor: ClientDef = {
  id: 'cursor',
  label: 'Cursor',
  shape: { format: 'json', container: 'mcpServers' },
  installDir: (e) => joiner(e)(e.home, '.cursor'),
  userFile: (e) => joiner(e)(e.home, '.cursor', 'mcp.json'),
  projectFile: (e, project) => joiner(e)(project, '.cursor', 'mcp.json'),
  entry: (ep) => {
    switch (ep.kind) {
      case 'stdio':
        return stdioFields(ep);
    }
  },
};
