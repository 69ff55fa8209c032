import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../daemon/protocol/canonicalJson.js';
import { toolsVersion } from '../../extension/mcp/definitions.js';
import { caps } from './extensionServers.js';

describe('one canonical JSON', () => {
  it('orders keys by code point, whatever the locale would say', () => {
    // localeCompare puts "_" before letters and "a" before "B"; a hash must not depend on that.
    expect(canonicalJson({ a: 1, B: 2, FOOD: 3, FOO_BAR: 4 })).toBe('{"B":2,"FOOD":3,"FOO_BAR":4,"a":1}');
    expect(canonicalJson({ x: undefined, y: [undefined] })).toBe('{"y":[null]}');
  });

  it("gives the extension's tool list version the same answer for the same schema written in another key order", () => {
    const a = caps(['echo']).tools;
    const reordered = a.map((t) => ({ ...t, inputSchema: { properties: { x: { type: 'string' } }, type: 'object' as const } }));
    expect(toolsVersion(reordered)).toBe(toolsVersion(a));
  });
});
