import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCatalogText } from '../../daemon/catalog/catalogFile.js';
import { serverNameOf } from '../../daemon/catalog/naming.js';
import type { CatalogItem } from '../../daemon/protocol/catalog.js';
import { ServerSpecInput } from '../../daemon/protocol/spec.js';

const FIXTURES = path.resolve('test', 'fixtures', 'catalog');

async function entries(file: string): Promise<Record<string, CatalogItem>> {
  const text = await readFile(path.join(FIXTURES, file), 'utf8');
  return Object.fromEntries(parseCatalogText(text, file, 'fx').entries.map((e) => [e.id, e]));
}

describe('catalog conversion: the official server.json', () => {
  it('an npm package becomes an npm build; secrets become references (their defaults dropped); required inputs are asked for', async () => {
    const { ['io.github.acme/weather']: e } = await entries('server-npm.json');
    expect(e).toMatchObject({
      catalog: 'fx',
      serverName: 'weather',
      version: '1.4.0',
      source: 'npm @acme/weather-mcp@1.4.0',
      secrets: ['WEATHER_API_KEY'],
      network: 'none',
      inputs: [
        { kind: 'env', name: 'WEATHER_ACCOUNT', required: true, description: 'Account id' },
        { kind: 'arg', name: 'city', required: true, description: 'The default city' },
      ],
    });
    expect(e?.unrunnable).toBeUndefined();
    expect(e?.spec).toEqual({
      description: 'Forecasts from the Acme weather API.',
      transport: 'stdio',
      image: 'berth/mcp-acme-weather-mcp:1.4.0',
      build: { npm: '@acme/weather-mcp', version: '1.4.0' },
      args: ['--units', 'metric'],
      env: { WEATHER_REGION: 'eu' },
      secrets: ['WEATHER_API_KEY'],
    });
    // What an install writes must be a spec the daemon accepts.
    expect(ServerSpecInput.safeParse(e?.spec).success).toBe(true);
    expect(JSON.stringify(e?.spec)).not.toContain('demo-key');
  });

  it('an OCI image runs as that image, a Streamable HTTP remote as a remote server; pypi, unknown registries and HTTP npm packages are listed with the reason', async () => {
    const all = await entries('servers-mixed.json');
    expect(Object.keys(all)).toHaveLength(5);
    expect(all['io.github.acme/search']).toMatchObject({ source: 'image ghcr.io/acme/search-mcp:0.3.1', spec: { image: 'ghcr.io/acme/search-mcp:0.3.1' } });
    expect(all['io.github.acme/search']?.unrunnable).toBeUndefined();
    expect(all['io.github.acme/py-tools']?.unrunnable).toMatch(/^pypi acme-py-tools is a Python package; Berth has no Python build yet/);
    expect(all['io.github.acme/hosted']).toMatchObject({
      source: 'remote https://mcp.acme.example/mcp',
      secrets: ['HOSTED_AUTHORIZATION'],
      spec: { remote: { url: 'https://mcp.acme.example/mcp', headers: { Authorization: "${HOSTED_AUTHORIZATION}" } } },
    });
    expect(all['io.github.acme/hosted']?.unrunnable).toBeUndefined();
    expect(all['io.github.acme/dotnet']?.unrunnable).toMatch(/"nuget" registry/);
    expect(all['io.github.acme/http-npm']?.unrunnable).toMatch(/over streamable-http.*stdio only/);
    for (const id of ['io.github.acme/py-tools', 'io.github.acme/dotnet', 'io.github.acme/http-npm']) expect(all[id]?.spec, id).toBeUndefined();
  });

  it("a registry's list answer saved to a file reads the same as the server.json it holds", async () => {
    const one = JSON.parse(await readFile(path.join(FIXTURES, 'server-npm.json'), 'utf8')) as unknown;
    const list = parseCatalogText(JSON.stringify({ servers: [{ server: one, _meta: {} }], metadata: { count: 1 } }), 'list.json', 'fx').entries;
    expect(list).toEqual([(await entries('server-npm.json'))['io.github.acme/weather']]);
  });

  it('a file that is no catalog is refused with what Berth reads', () => {
    expect(() => parseCatalogText('{"hello": 1}', 'x.json', 'fx')).toThrow(/not a catalog Berth reads/);
    expect(() => parseCatalogText('{', 'x.json', 'fx')).toThrow(/neither JSON nor YAML/);
    expect(() => parseCatalogText('{"name": "a", "packages": [{"identifier": 3}]}', 'x.json', 'fx')).toThrow(/x\.json: packages\.0\./);
  });
});

describe("catalog conversion: Docker's catalog format", () => {
  it('secrets become references, allowHosts an egress allowlist, templated env an input described by config; tools are kept', async () => {
    const { github } = await entries('docker-catalog.yaml');
    expect(github).toMatchObject({
      source: 'image mcp/github:latest',
      secrets: ['GITHUB_PERSONAL_ACCESS_TOKEN'],
      network: { allow: ['api.github.com:443'] },
      inputs: [{ kind: 'env', name: 'GITHUB_TOOLSETS', required: true, description: 'Comma-separated toolsets to enable' }],
      tools: ['create_issue', 'search_repositories'],
    });
    expect(github?.spec).toMatchObject({ image: 'mcp/github:latest', env: { GITHUB_READ_ONLY: 'true' }, secrets: ['GITHUB_PERSONAL_ACCESS_TOKEN'], network: { allow: ['api.github.com:443'] } });
    expect(ServerSpecInput.safeParse(github?.spec).success).toBe(true);
  });

  it('templated volumes are listed as mounts the user chooses; the template never reaches args', async () => {
    const { filesystem } = await entries('docker-catalog.yaml');
    expect(filesystem?.mounts).toEqual(['a folder you choose ({{filesystem.paths|volume|into}})']);
    expect(filesystem?.spec?.args).toBeUndefined();
  });

  it('an SSE remote, OAuth-only and unacceptable allowlists are listed with the reason, never dropped', async () => {
    const all = await entries('docker-catalog.yaml');
    expect(Object.keys(all)).toEqual(['github', 'filesystem', 'notion-remote', 'slack-oauth', 'bad-hosts']);
    expect(all['notion-remote']?.unrunnable).toMatch(/hosted server at https:\/\/mcp\.notion\.com\/sse on the older SSE transport/);
    expect(all['slack-oauth']?.unrunnable).toMatch(/OAuth only/);
    expect(all['bad-hosts']?.unrunnable).toMatch(/allowHosts cannot become an egress allowlist: .*link-local/);
  });
});

describe('catalog naming', () => {
  it('a registry name installs under its last part, made a Berth name', () => {
    expect(serverNameOf('io.github.acme/weather')).toBe('weather');
    expect(serverNameOf('io.github.Acme/MCP-Server-Git Tools')).toBe('git-tools');
    expect(serverNameOf('///')).toBe('server');
  });
});
