import path from 'node:path';
import { BUILT_IN_CATALOG, type CatalogItem, type CatalogSource } from '../protocol/catalog.js';
import { ConflictError, NotFoundError } from '../protocol/errors.js';
import { Name } from '../protocol/names.js';
import { builtInItems } from './builtIn.js';
import { readCatalogFile } from './catalogFile.js';
import { catalogsFile, loadCatalogSources, saveCatalogSources } from './catalogStore.js';
import { registryBase, registryEntry, searchRegistry } from './registryApi.js';

/**
 * Every catalog Berth knows: the built-in one, then the added ones in the order they were added.
 * Files are read and registries asked at each query, so an edited file or a new registry version
 * is seen at once; one that cannot be read is a problem line beside the others' entries.
 */
export class Catalogs {
  private readonly file: string;
  private editing: Promise<unknown> = Promise.resolve();

  constructor(configDir: string) {
    this.file = catalogsFile(configDir);
  }

  sources(): Promise<CatalogSource[]> {
    return loadCatalogSources(this.file);
  }

  /** Reads the catalog first, so one that cannot be read is never added; gives its entry counts. */
  addSource(location: string, name: string | undefined): Promise<{ source: CatalogSource; entries: number; unrunnable: number }> {
    return this.edit(async () => {
      const sources = await this.sources();
      const isUrl = /^https?:\/\//i.test(location);
      if (!isUrl && !path.isAbsolute(location)) throw new Error(`${location} is neither an http(s) URL nor an absolute file path`);
      const chosen = name ?? defaultName(location, isUrl);
      if (chosen === BUILT_IN_CATALOG || sources.some((s) => s.name === chosen)) {
        throw new ConflictError(`a catalog named "${chosen}" exists already; give another with --name`);
      }
      let source: CatalogSource;
      let entries: CatalogItem[];
      if (isUrl) {
        source = { name: chosen, kind: 'registry', location: registryBase(location) };
        entries = await searchRegistry(source.location, chosen, undefined);
      } else {
        const read = await readCatalogFile(location, chosen);
        source = { name: chosen, kind: read.kind, location };
        entries = read.entries;
      }
      saveCatalogSources(this.file, [...sources, source]);
      return { source, entries: entries.length, unrunnable: entries.filter((e) => e.unrunnable).length };
    });
  }

  removeSource(name: string): Promise<void> {
    return this.edit(async () => {
      const sources = await this.sources();
      if (!sources.some((s) => s.name === name)) {
        throw new NotFoundError(name === BUILT_IN_CATALOG ? 'the built-in catalog cannot be removed' : `there is no catalog "${name}"; \`berth catalog ls\` lists them`);
      }
      saveCatalogSources(this.file, sources.filter((s) => s.name !== name));
    });
  }

  async search(query: string | undefined): Promise<{ entries: CatalogItem[]; problems: string[] }> {
    const problems: string[] = [];
    const entries = builtInItems().filter((e) => matches(e, query));
    for (const source of await this.sources()) {
      try {
        entries.push(...(source.kind === 'registry' ? await searchRegistry(source.location, source.name, query) : (await this.fileEntries(source)).filter((e) => matches(e, query))));
      } catch (e) {
        problems.push(`catalog ${source.name}: ${(e as Error).message}`);
      }
    }
    return { entries, problems };
  }

  /**
   * The entry named `id` (a registry name, a catalog key, or the server name it installs as), from
   * the first catalog that has it, built-in first; with `version`, that version of it.
   */
  async find(id: string, version: string | undefined): Promise<CatalogItem> {
    const builtIn = builtInItems().find((e) => e.id === id);
    if (builtIn) {
      if (version !== undefined && version !== builtIn.version) throw new NotFoundError(`the built-in ${id} is version ${builtIn.version}; other versions are not in the catalog`);
      return builtIn;
    }
    const problems: string[] = [];
    const byServerName: CatalogItem[] = [];
    for (const source of await this.sources()) {
      try {
        if (source.kind === 'registry') {
          const found = await registryEntry(source.location, source.name, id, version);
          if (found) return found;
          if (Name.safeParse(id).success) byServerName.push(...(await searchRegistry(source.location, source.name, id)).filter((e) => e.serverName === id));
          continue;
        }
        const entries = await this.fileEntries(source);
        const found = entries.find((e) => e.id === id);
        if (found) return pickVersion(found, version, await this.fileVersions(source, id));
        byServerName.push(...entries.filter((e) => e.serverName === id));
      } catch (e) {
        problems.push(`catalog ${source.name}: ${(e as Error).message}`);
      }
    }
    const [only, ...more] = byServerName;
    if (only && !more.length) return this.find(only.id, version);
    if (only) throw new ConflictError(`"${id}" could be ${byServerName.map((e) => `${e.id} (${e.catalog})`).join(' or ')}; give the full name`);
    throw new NotFoundError(`no catalog has an entry "${id}"${problems.length ? ` (${problems.join('; ')})` : ''}; \`berth search TERM\` finds entries`);
  }

  /** A file's entries, one per id: the last version listed of each, knowing every version. */
  private async fileEntries(source: CatalogSource): Promise<CatalogItem[]> {
    const { entries } = await readCatalogFile(source.location, source.name);
    const byId = new Map<string, CatalogItem>();
    for (const e of entries) {
      const versions = [...(byId.get(e.id)?.versions ?? []), ...(e.version ? [e.version] : [])];
      byId.set(e.id, { ...e, ...(versions.length ? { versions } : {}) });
    }
    return [...byId.values()];
  }

  private async fileVersions(source: CatalogSource, id: string): Promise<CatalogItem[]> {
    return (await readCatalogFile(source.location, source.name)).entries.filter((e) => e.id === id);
  }

  private edit<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.editing.then(fn, fn);
    this.editing = next.catch(() => undefined);
    return next;
  }
}

function pickVersion(latest: CatalogItem, version: string | undefined, all: CatalogItem[]): CatalogItem {
  if (version === undefined || version === latest.version) return latest;
  const chosen = all.find((e) => e.version === version);
  if (!chosen) throw new NotFoundError(`${latest.id} has no version ${version} in catalog ${latest.catalog}; it has ${(latest.versions ?? []).join(', ') || 'no versions listed'}`);
  return { ...chosen, versions: latest.versions };
}

function matches(e: CatalogItem, query: string | undefined): boolean {
  if (!query) return true;
  const t = query.toLowerCase();
  return [e.id, e.serverName, e.description].some((s) => s.toLowerCase().includes(t));
}

function defaultName(location: string, isUrl: boolean): string {
  const raw = isUrl ? new URL(location).hostname : path.basename(location).replace(/\.(?:json|ya?ml)$/i, '');
  const name = raw.toLowerCase().replace(/[^a-z0-9_.-]+/g, '-').replace(/^[^a-z0-9]+/, '').slice(0, 63);
  return Name.safeParse(name).success ? name : 'catalog';
}
