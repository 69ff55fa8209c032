import { describe, expect, it } from 'vitest';
import type { CatalogItem } from '../../daemon/protocol/catalog.js';
import { FromCatalogDetails } from '../../extension/webview/catalogDetailsMessages.js';
import { catalogEntryView } from '../../extension/webview/catalogEntryView.js';
import { contentSecurityPolicy, newNonce, panelHtml, type PageInput } from '../../extension/webview/html.js';
import { FromWebview } from '../../extension/webview/messages.js';
import { serverView } from '../../extension/webview/serverView.js';
import { caps, status } from './extensionServers.js';

const CSP_SOURCE = 'https://*.vscode-cdn.net';
const MEDIA = 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/media';
const page: PageInput = { cspSource: CSP_SOURCE, mediaBase: MEDIA, entry: 'serverDetails', title: 'Berth: ev' };

/** The policy as the page states it: directive → sources. */
function cspOf(html: string): Map<string, string[]> {
  const metas = [...html.matchAll(/<meta http-equiv="Content-Security-Policy" content="([^"]*)">/g)];
  expect(metas).toHaveLength(1);
  const policy = metas[0]?.[1] ?? '';
  return new Map(policy.split(';').map((d) => d.trim().split(/\s+/)).map(([name = '', ...sources]) => [name, sources]));
}

describe('panel HTML', () => {
  it('states a strict Content-Security-Policy', () => {
    const html = panelHtml(page, 'N0nce');
    const csp = cspOf(html);
    expect(csp.get('default-src')).toEqual(["'none'"]);
    expect(csp.get('script-src')).toEqual(["'nonce-N0nce'"]);
    expect(csp.get('style-src')).toEqual([CSP_SOURCE, "'nonce-N0nce'"]);
    expect(csp.get('font-src')).toEqual([CSP_SOURCE]);
    expect(csp.get('img-src')).toEqual([CSP_SOURCE, 'data:']);
    expect([...csp.keys()].sort()).toEqual(['default-src', 'font-src', 'img-src', 'script-src', 'style-src']);
    expect(html).not.toMatch(/unsafe-(inline|eval|hashes)|wasm-unsafe|\*(?!\.vscode-cdn)/);
  });

  it('puts the nonce on every script and stylesheet, and has no inline script', () => {
    const html = panelHtml(page, 'N0nce');
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    expect(html.match(/<script\b/g)).toHaveLength(scripts.length);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toContain('nonce="N0nce"');
      expect(attrs).toMatch(/\ssrc="/);
      expect(body?.trim()).toBe('');
    }
    for (const [link] of html.matchAll(/<link\b[^>]*>/g)) expect(link).toContain('nonce="N0nce"');
    expect(html).not.toMatch(/<style\b/);
  });

  it('makes a fresh random nonce for each render', () => {
    const nonces = new Set(Array.from({ length: 50 }, () => cspOf(panelHtml(page)).get('script-src')?.[0]));
    expect(nonces.size).toBe(50);
    const n = newNonce();
    expect(n).toMatch(/^[A-Za-z0-9+/]{24}$/);
    expect(contentSecurityPolicy(CSP_SOURCE, n)).toContain(`'nonce-${n}'`);
  });

  it('has no inline event handlers or javascript: URLs', () => {
    const html = panelHtml({ ...page, title: 'Berth: <img src=x onerror="alert(1)">' });
    const tags = html.match(/<[a-z][^>]*>/gi) ?? [];
    expect(tags.map((t) => t.split(/\s/)[0])).not.toContain('<img');
    for (const tag of tags) expect(tag).not.toMatch(/\son[a-z]+\s*=/i);
    expect(html).not.toMatch(/javascript:/i);
  });

  it('loads files only from the media folder', () => {
    const html = panelHtml(page);
    const urls = [...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
    expect(urls.sort()).toEqual([`${MEDIA}/codicon.css`, `${MEDIA}/serverDetails.css`, `${MEDIA}/serverDetails.js`]);
    expect(panelHtml({ ...page, mediaBase: `${MEDIA}/` })).toContain(`"${MEDIA}/serverDetails.js"`);
  });
});

describe('messages from the panel', () => {
  it('accepts the messages the panel sends', () => {
    expect(FromWebview.parse({ type: 'ready' })).toEqual({ type: 'ready' });
    for (const action of ['start', 'stop', 'restart', 'showLogs', 'openSpec']) expect(FromWebview.parse({ type: 'run', action })).toEqual({ type: 'run', action });
  });

  it('rejects hostile and garbled messages', () => {
    const hostile: unknown[] = [
      undefined,
      null,
      'stop',
      42,
      [],
      [{ type: 'run', action: 'stop' }],
      {},
      { type: 'exec', command: 'workbench.action.terminal.new' },
      { type: 'run' },
      { type: 'run', action: 'remove' },
      { type: 'run', action: 'berth.server.remove' },
      { type: 'run', action: 'constructor' },
      { type: 'run', action: ['stop'] },
      { type: 'run', action: { toString: () => 'stop' } },
      { type: 'run', action: 'stop', command: 'workbench.action.terminal.new' },
      { type: 'run', action: 'stop', args: ['other-server'] },
      { type: 'ready', name: 'other-server' },
      JSON.parse('{"type":"run","action":"stop","__proto__":{"polluted":true}}'),
      { type: 'RUN', action: 'stop' },
      { type: 'run', action: 'stop ' },
    ];
    for (const m of hostile) expect(FromWebview.safeParse(m).success, JSON.stringify(m) ?? String(m)).toBe(false);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });
});

describe('server view', () => {
  it('formats a running server: usage, newest health first, tool read-only hints', () => {
    const c = caps(['echo', 'add'], ['greet'], ['readme']);
    const tools = c.tools.map((t) => (t.name === 'echo' ? { ...t, annotations: { readOnlyHint: true } } : t));
    const v = serverView(
      status('ev', {
        description: 'test server',
        imageDigest: 'sha256:abc',
        containerId: '0123456789abcdef',
        network: { allow: ['api.github.com'] },
        stats: { cpuPercent: 1.234, memoryBytes: 2 * 1024 * 1024, memoryLimitBytes: 512 * 1024 * 1024, networkRxBytes: 0, networkTxBytes: 2048, pids: 7 },
        health: [
          { t: 1, ok: true, ms: 3.4 },
          { t: 2, ok: false, error: 'no pong' },
        ],
        capabilities: { ...c, tools },
      }),
      (t) => `t${t}`,
    );
    expect(v.running).toBe(true);
    expect(v.icon).toEqual({ id: 'pass-filled', color: 'testing.iconPassed' });
    expect(v.container).toContainEqual({ label: 'Container', value: '0123456789ab' });
    expect(v.container).toContainEqual({ label: 'Digest', value: 'sha256:abc' });
    expect(v.container).toContainEqual({ label: 'Network', value: 'egress only to api.github.com' });
    expect(v.usage).toEqual([
      { label: 'CPU', value: '1.2%' },
      { label: 'Memory', value: '2.0 MiB of 512.0 MiB' },
      { label: 'Network', value: '0 B in, 2.0 KiB out' },
      { label: 'Processes', value: '7' },
    ]);
    expect(v.health).toEqual([
      { ok: false, at: 't2', took: '', error: 'no pong' },
      { ok: true, at: 't1', took: '3 ms', error: '' },
    ]);
    expect(v.offers?.tools).toEqual([
      { name: 'echo', description: 'echo tool\nsecond line', readOnly: true },
      { name: 'add', description: 'add tool\nsecond line', readOnly: false },
    ]);
    expect(v.offers?.resources).toEqual([{ name: 'readme', uri: 'test://readme', description: '' }]);
  });

  it('shows no usage for a stopped server, and no offers before its first start', () => {
    const v = serverView(status('ev', { phase: 'stopped', stats: { cpuPercent: 0, memoryBytes: 0, memoryLimitBytes: 0, networkRxBytes: 0, networkTxBytes: 0, pids: 0 } }));
    expect(v.running).toBe(false);
    expect(v.usage).toBeUndefined();
    expect(v.offers).toBeUndefined();
    expect(v.container).toContainEqual({ label: 'Container', value: 'none' });
  });
});

describe('catalog entry details', () => {
  const item: CatalogItem = {
    id: 'io.github.acme/weather',
    catalog: 'acme',
    description: 'Weather <b>forecasts</b>',
    version: '1.2.0',
    versions: ['1.0.0', '1.1.0', '1.2.0'],
    source: 'npm @acme/weather@1.2.0',
    serverName: 'weather',
    spec: {},
    inputs: [
      { kind: 'env', name: 'UNITS', description: 'metric or imperial', required: true },
      { kind: 'arg', name: 'region', required: false },
    ],
    secrets: ['WEATHER_API_KEY'],
    mounts: ['a cache folder at /cache'],
    network: { allow: ['api.weather.test', '*.weather.test'] },
  };

  it('shows what catalog/info says: versions newest first, what it needs, its egress allowlist', () => {
    const v = catalogEntryView(item);
    expect(v.overview).toEqual([
      { label: 'Catalog', value: 'acme' },
      { label: 'Source', value: 'npm @acme/weather@1.2.0' },
      { label: 'Version', value: '1.2.0' },
      { label: 'Installs as', value: 'weather' },
    ]);
    expect(v.description).toBe('Weather <b>forecasts</b>');
    expect(v.versions).toEqual(['1.2.0', '1.1.0', '1.0.0']);
    expect(v.inputs).toEqual([
      { name: 'UNITS', kind: 'environment variable', required: true, description: 'metric or imperial' },
      { name: 'region', kind: 'argument', required: false, description: '' },
    ]);
    expect(v.secrets).toEqual(['WEATHER_API_KEY']);
    expect(v.mounts).toEqual(['a cache folder at /cache']);
    expect(v.network).toBe('egress only to api.weather.test, *.weather.test');
    expect(v.unrunnable).toBeUndefined();
    expect(v.tools).toBeUndefined();
  });

  it('says why Berth cannot run an entry, and tells unknown tools from none', () => {
    const v = catalogEntryView({ ...item, version: undefined, versions: undefined, spec: undefined, unrunnable: 'it needs OAuth', tools: [], network: 'none' });
    expect(v.unrunnable).toBe('it needs OAuth');
    expect(v.overview).toContainEqual({ label: 'Version', value: 'not stated' });
    expect(v.versions).toEqual([]);
    expect(v.tools).toEqual([]);
    expect(v.network).toBe('none: no network at all');
    expect(catalogEntryView({ ...item, tools: ['forecast'], network: 'bridge' })).toMatchObject({ tools: ['forecast'], network: 'bridge: open egress to any host' });
  });

  it('loads its own bundle from the media folder only', () => {
    const urls = [...panelHtml({ ...page, entry: 'catalogDetails' }).matchAll(/\s(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
    expect(urls.sort()).toEqual([`${MEDIA}/catalogDetails.css`, `${MEDIA}/catalogDetails.js`, `${MEDIA}/codicon.css`]);
  });

  it('accepts only ready and install from the panel', () => {
    expect(FromCatalogDetails.parse({ type: 'ready' })).toEqual({ type: 'ready' });
    expect(FromCatalogDetails.parse({ type: 'install' })).toEqual({ type: 'install' });
    const hostile: unknown[] = [
      undefined,
      'install',
      { type: 'install', entry: 'other-entry' },
      { type: 'install', version: '0.0.1' },
      { type: 'run', action: 'stop' },
      { type: 'exec', command: 'workbench.action.terminal.new' },
      { type: 'INSTALL' },
    ];
    for (const m of hostile) expect(FromCatalogDetails.safeParse(m).success, JSON.stringify(m) ?? String(m)).toBe(false);
  });
});
