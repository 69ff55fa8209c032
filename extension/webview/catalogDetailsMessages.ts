// The messages between the Catalog Entry Details panel and the extension, defined once. The
// browser script imports the types only; the extension parses every message the panel sends.
import { z } from 'zod';
import type { Fact } from './messages.js';

export const FromCatalogDetails = z.discriminatedUnion('type', [
  /** The script has loaded (first time, or again after the panel was hidden) and wants the entry. */
  z.object({ type: z.literal('ready') }).strict(),
  /** The Install button: the extension's own `berth.catalog.install` on this entry. */
  z.object({ type: z.literal('install') }).strict(),
]);
export type FromCatalogDetails = z.infer<typeof FromCatalogDetails>;

/** One catalog entry as the panel shows it: every value already formatted, so the script only places text. */
export interface CatalogEntryView {
  id: string;
  description: string;
  /** Why Berth cannot run it; undefined when it can (then Install applies). */
  unrunnable: string | undefined;
  overview: Fact[];
  /** Every published version, newest first; empty when the catalog does not say. */
  versions: string[];
  inputs: { name: string; kind: string; required: boolean; description: string }[];
  secrets: string[];
  mounts: string[];
  network: string;
  /** Undefined when the catalog does not list them. */
  tools: string[] | undefined;
}

export type ToCatalogDetails =
  | { type: 'update'; connected: boolean; entry: CatalogEntryView }
  /** `catalog/info` failed (the entry went, a registry is unreachable): one sentence. */
  | { type: 'error'; connected: boolean; id: string; message: string };
