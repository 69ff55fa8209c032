import type { ClientDef } from './client.js';
import { stdioFields } from './client.js';
import { joiner } from './platform.js';

/** Windsurf reads `~/.codeium/windsurf/mcp_config.json` (HTTP entries there use `serverUrl`, not `url`). */
export const windsurf: ClientDef = {
  id: 'windsurf',
  label: 'Windsurf',
  shape: { format: 'json', container: 'mcpServers' },
  installDir: (e) => joiner(e)(e.home, '.codeium', 'windsurf'),
  userFile: (e) => joiner(e)(e.home, '.codeium', 'windsurf', 'mcp_config.json'),
  entry: (ep) => {
    switch (ep.kind) {
      case 'stdio':
        return stdioFields(ep);
    }
  },
};
