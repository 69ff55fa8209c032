import type { ClientDef } from './client.js';
import { stdioFields } from './client.js';
import { joiner, vscodeUserDir } from './platform.js';

/**
 * Cline (the `saoudrizwan.claude-dev` VS Code extension) keeps `cline_mcp_settings.json` in its
 * global storage. Its UI adds `disabled` and `autoApprove` to entries; Berth owns only the fields
 * it writes, so those survive every sync.
 */
export const cline: ClientDef = {
  id: 'cline',
  label: 'Cline',
  shape: { format: 'json', container: 'mcpServers' },
  installDir: (e) => joiner(e)(vscodeUserDir(e), 'globalStorage', 'saoudrizwan.claude-dev'),
  userFile: (e) => joiner(e)(vscodeUserDir(e), 'globalStorage', 'saoudrizwan.claude-dev', 'settings', 'cline_mcp_settings.json'),
  entry: (ep) => {
    switch (ep.kind) {
      case 'stdio':
        return stdioFields(ep);
    }
  },
};
