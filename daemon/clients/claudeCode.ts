import type { ClientDef } from './client.js';
import { stdioFields } from './client.js';
import { joiner } from './platform.js';

/**
 * Claude Code: user-scope servers in `~/.claude.json` (a file it also rewrites for its own state),
 * project-scope ones in `.mcp.json` at the project root. Entries name their `type`.
 */
export const claudeCode: ClientDef = {
  id: 'claude-code',
  label: 'Claude Code',
  shape: { format: 'json', container: 'mcpServers' },
  installDir: (e) => joiner(e)(e.home, '.claude'),
  userFile: (e) => joiner(e)(e.home, '.claude.json'),
  projectFile: (e, project) => joiner(e)(project, '.mcp.json'),
  entry: (ep) => {
    switch (ep.kind) {
      case 'stdio':
        return { type: 'stdio', ...stdioFields(ep) };
    }
  },
};
