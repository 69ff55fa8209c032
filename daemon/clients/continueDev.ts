import type { ClientDef } from './client.js';
import { stdioFields } from './client.js';
import { joiner } from './platform.js';

/**
 * Continue reads `~/.continue/config.yaml`, whose `mcpServers` is a list of blocks that carry
 * their own `name`. A `config.json` beside it is the older format that a new `config.yaml` would
 * silently replace, so Berth does not create one there.
 */
export const continueDev: ClientDef = {
  id: 'continue',
  label: 'Continue',
  shape: { format: 'yaml-list', container: 'mcpServers' },
  installDir: (e) => joiner(e)(e.home, '.continue'),
  userFile: (e) => joiner(e)(e.home, '.continue', 'config.yaml'),
  supersedes: (e) => joiner(e)(e.home, '.continue', 'config.json'),
  entry: (ep, key) => {
    switch (ep.kind) {
      case 'stdio':
        return { name: key, ...stdioFields(ep) };
    }
  },
};
