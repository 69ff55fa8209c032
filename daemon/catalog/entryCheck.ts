import { CatalogItem } from '../protocol/catalog.js';
import { describeIssue } from '../protocol/issue.js';
import { serverNameOf } from './naming.js';

/*
 * A catalog is someone else's text: one odd entry (an allowHosts Berth cannot read, an npx
 * package named `x@$(id)`) must cost that entry, listed with its reason, never the listing.
 */

/** An entry Berth cannot run, listed with why. */
export function refusedEntry(id: string, catalog: string, reason: string): CatalogItem {
  return { id: id.slice(0, 200), catalog, description: '', source: 'an entry Berth cannot read', serverName: serverNameOf(id), unrunnable: reason, inputs: [], secrets: [], mounts: [], network: 'none' };
}

/** The entry as the protocol carries it; one whose spec (or any field) the protocol would refuse becomes unrunnable, with the reason (its own, when it already had one). */
export function checkedItem(item: CatalogItem): CatalogItem {
  const r = CatalogItem.safeParse(item);
  if (r.success) return item;
  const reason = item.unrunnable ?? `its entry cannot become a server spec (${describeIssue(r.error)})`;
  const { spec: _spec, ...rest } = item;
  // Without a spec, and with no network (an allowlist the protocol refuses is what it asked for), it is only listed.
  for (const candidate of [{ ...rest, unrunnable: reason }, { ...rest, network: 'none' as const, unrunnable: reason }]) {
    if (CatalogItem.safeParse(candidate).success) return candidate;
  }
  return refusedEntry(String(item.id), item.catalog, reason);
}
