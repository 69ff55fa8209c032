import { describe, expect, it } from 'vitest';
import { namespacedUri, ownAppUri, withContentsUri, withNamespacedApp } from '../../daemon/gateway/appUris.js';

describe("MCP Apps' ui:// URIs on the aggregate endpoint", () => {
  it('namespaces ui:// URIs in their authority and finds the server behind one again', () => {
    expect(namespacedUri('vanilla', '__', 'ui://get-time/mcp-app.html')).toBe('ui://vanilla__get-time/mcp-app.html');
    expect(namespacedUri('vanilla', '__', 'file:///notes.txt')).toBe('file:///notes.txt');
    const servers = ['web', 'web-2', 'vanilla'];
    expect(ownAppUri('ui://vanilla__get-time/mcp-app.html', '__', servers)).toEqual({ server: 'vanilla', uri: 'ui://get-time/mcp-app.html' });
    // A server whose name is a prefix of another's never takes the other's App.
    expect(ownAppUri('ui://web-2__x/a.html', '__', servers)).toEqual({ server: 'web-2', uri: 'ui://x/a.html' });
    expect(ownAppUri('ui://nobody__x/a.html', '__', servers)).toBeUndefined();
    expect(ownAppUri('ui://get-time/mcp-app.html', '__', servers)).toBeUndefined();
  });

  it("rewrites a tool's App in both places hosts read it, and nothing else", () => {
    const rename = (u: string) => namespacedUri('s', '__', u);
    const tool = { name: 's__t', inputSchema: { type: 'object' }, _meta: { ui: { resourceUri: 'ui://t/app.html', visibility: ['model'] }, 'ui/resourceUri': 'ui://t/app.html', other: 1 } };
    expect(withNamespacedApp(tool, rename)).toEqual({ ...tool, _meta: { ui: { resourceUri: 'ui://s__t/app.html', visibility: ['model'] }, 'ui/resourceUri': 'ui://s__t/app.html', other: 1 } });
    const plain = { name: 'p', _meta: { other: 1 } };
    expect(withNamespacedApp(plain, rename)).toBe(plain);
    expect(withContentsUri({ contents: [{ uri: 'ui://t/app.html', text: '<html>' }] }, 'ui://s__t/app.html')).toEqual({ contents: [{ uri: 'ui://s__t/app.html', text: '<html>' }] });
  });
});
