import type { ClientDef } from './client.js';
import { stdioFields } from './client.js';
import { appDataDir, joiner } from './platform.js';

/** Claude Desktop reads `claude_desktop_config.json` from its app-data folder; stdio servers only. */
export const claudeDesktop: ClientDef = {
  id: 'claude-desktop',
  label: 'Claude Desktop',
  shape: { format: 'json', container: 'mcpServers' },
  installDir: (e) => joiner(e)(appDataDir(e), 'Claude'),
  userFile: (e) => joiner(e)(appDataDir(e), 'Claude', 'claude_desktop_config.json'),
  entry: (ep) => {
    switch (ep.kind) {
      case 'stdio':
        return stdioFields(ep);
    }
  },
};
