import { Name } from '../protocol/names.js';

/**
 * The server name an entry gets by default: the last part of a registry name
 * (`io.github.acme/weather` → `weather`), lowercased, with anything a Berth name cannot hold made `-`.
 */
export function serverNameOf(id: string): string {
  const last = id.split('/').filter(Boolean).pop() ?? id;
  const name = last
    .toLowerCase()
    .replace(/^(?:mcp-server-|server-)/, '')
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 63);
  return Name.safeParse(name).success ? name : 'server';
}

/** The tag an npm package's image is built under: `berth/mcp-scope-pkg:VERSION` (`latest` when unpinned). */
export function npmImageTag(npmPackage: string, version: string | undefined): string {
  const slug = npmPackage.replace(/^@/, '').replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '');
  const tag = version && /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(version) ? version : 'latest';
  return `berth/mcp-${slug}:${tag}`;
}
