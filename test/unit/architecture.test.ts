import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.join(__dirname, '..', '..');

/** Every .ts file below a folder, relative to the repository. */
function sources(folder: string): string[] {
  return readdirSync(path.join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(folder, f));
}

/** The relative modules a file imports (static or dynamic, type-only included), resolved from the repository root. */
function localImports(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  return [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.[^'"]+)['"]/g)].map((m) => path.join(path.dirname(file), m[1] ?? ''));
}

/** Imports of files in `folder` that land outside the folders it may use. */
function strayImports(folder: string, allowed: string[]): string[] {
  const files = sources(folder);
  expect(files.length).toBeGreaterThan(0);
  return files.flatMap((f) => localImports(f).filter((target) => !allowed.some((a) => target.startsWith(`${a}${path.sep}`))).map((target) => `${f} imports ${target}`));
}

describe('the folders keep to the architecture', () => {
  it('daemon/protocol is a leaf: its own files, Node built-ins and npm packages only', () => {
    expect(strayImports('daemon/protocol', ['daemon/protocol'])).toEqual([]);
  });

  it('the client module uses only the protocol', () => {
    expect(strayImports('daemon/client', ['daemon/client', 'daemon/protocol'])).toEqual([]);
  });

  it('the extension reaches the daemon only through the protocol and the client module', () => {
    expect(strayImports('extension', ['extension', 'daemon/protocol', 'daemon/client'])).toEqual([]);
  });
});
