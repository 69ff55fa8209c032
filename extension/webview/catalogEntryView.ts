// A catalog entry as the Catalog Entry Details panel shows it. No `vscode` import, so it is
// unit-tested; the browser script only places these strings.
import type { CatalogItem } from '../../daemon/protocol/catalog.js';
import type { CatalogEntryView } from './catalogDetailsMessages.js';
import type { Fact } from './messages.js';

export function catalogEntryView(item: CatalogItem): CatalogEntryView {
  const overview: Fact[] = [
    { label: 'Catalog', value: item.catalog },
    { label: 'Source', value: item.source },
    { label: 'Version', value: item.version ?? 'not stated' },
    { label: 'Installs as', value: item.serverName },
  ];
  return {
    id: item.id,
    description: item.description,
    unrunnable: item.unrunnable,
    overview,
    versions: [...(item.versions ?? [])].reverse(),
    inputs: item.inputs.map((i) => ({ name: i.name, kind: i.kind === 'env' ? 'environment variable' : 'argument', required: i.required, description: i.description ?? '' })),
    secrets: item.secrets,
    mounts: item.mounts,
    network: networkText(item.network),
    tools: item.tools,
  };
}

function networkText(network: CatalogItem['network']): string {
  if (network === 'none') return 'none: no network at all';
  if (network === 'bridge') return 'bridge: open egress to any host';
  return `egress only to ${network.allow.join(', ')}`;
}
