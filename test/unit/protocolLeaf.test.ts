import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const PROTOCOL = path.join(__dirname, '..', '..', 'daemon', 'protocol');

/** Every module a file imports, static or dynamic, type-only included. */
function importsOf(text: string): string[] {
  return [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)].map((m) => m[1] ?? '');
}

describe('daemon/protocol', () => {
  it('is a leaf: it imports only its own files, Node built-ins and npm packages', () => {
    const files = readdirSync(PROTOCOL).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(0);
    const outside = files.flatMap((f) =>
      importsOf(readFileSync(path.join(PROTOCOL, f), 'utf8'))
        .filter((spec) => spec.startsWith('.') && !/^\.\/[^/]+\.js$/.test(spec))
        .map((spec) => `${f} imports ${spec}`),
    );
    expect(outside).toEqual([]);
  });
});
