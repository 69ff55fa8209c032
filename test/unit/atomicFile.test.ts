import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writePrivateFile, writeUserFile } from '../../daemon/atomicFile.js';
import { writeServerEntry } from '../../daemon/servers/specFiles.js';

const modeOf = (file: string): number => statSync(file).mode & 0o777;
const tempFiles = (dir: string): string[] => readdirSync(dir).filter((f) => f.includes('berth-tmp'));

describe('one atomic writer', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'berth-atomic-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('replaces the file by rename: the new text, a new inode, no temp file left', () => {
    const file = path.join(dir, 'a.json');
    writeFileSync(file, 'old');
    const before = statSync(file).ino;
    writeUserFile(file, 'new');
    expect(readFileSync(file, 'utf8')).toBe('new');
    expect(statSync(file).ino).not.toBe(before);
    expect(tempFiles(dir)).toEqual([]);
  });

  it('leaves the old file whole and no temp file behind when the write fails', () => {
    const file = path.join(dir, 'b.json');
    writeFileSync(file, 'old');
    // A folder where the file should go makes the final rename fail after the temp file is written.
    const blocked = path.join(dir, 'blocked');
    mkdirSync(path.join(blocked, 'x'), { recursive: true });
    expect(() => writeUserFile(blocked, 'new')).toThrow();
    expect(tempFiles(dir)).toEqual([]);
    expect(readdirSync(blocked)).toEqual(['x']);
    expect(readFileSync(file, 'utf8')).toBe('old');
  });

  it("keeps a user file's mode, and gives a new one 0600", () => {
    const file = path.join(dir, 'servers.yaml');
    writeFileSync(file, 'old');
    chmodSync(file, 0o644);
    writeUserFile(file, 'new');
    expect(modeOf(file)).toBe(0o644);
    const fresh = path.join(dir, 'new', 'mcp.json');
    writeUserFile(fresh, '{}');
    expect(modeOf(fresh)).toBe(0o600);
  });

  it("writes through a symlink: the link stays a link, its target gets the text and keeps its mode", () => {
    const real = path.join(dir, 'dotfiles', 'servers.yaml');
    mkdirSync(path.dirname(real));
    writeFileSync(real, 'old');
    chmodSync(real, 0o640);
    // A relative link, as `ln -s ../dotfiles/servers.yaml` makes, resolved from the link's folder.
    const link = path.join(dir, 'config', 'servers.yaml');
    mkdirSync(path.dirname(link));
    symlinkSync(path.join('..', 'dotfiles', 'servers.yaml'), link);
    writeUserFile(link, 'new');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(real, 'utf8')).toBe('new');
    expect(modeOf(real)).toBe(0o640);
    expect(tempFiles(path.dirname(link))).toEqual([]);
    expect(tempFiles(path.dirname(real))).toEqual([]);
  });

  it('creates the target of a dangling link rather than replacing the link', () => {
    const real = path.join(dir, 'dotfiles', 'servers.yaml');
    const link = path.join(dir, 'servers.yaml');
    symlinkSync(real, link);
    writeUserFile(link, 'first');
    expect(readlinkSync(link)).toBe(real);
    expect(readFileSync(real, 'utf8')).toBe('first');
  });

  it('refuses a loop of links with a sentence that names the file', () => {
    const a = path.join(dir, 'a');
    symlinkSync(path.join(dir, 'b'), a);
    symlinkSync(a, path.join(dir, 'b'));
    expect(() => writeUserFile(a, 'x')).toThrow(`${a} is a loop of symbolic links; point it at a real file`);
  });

  it("makes Berth's own file 0600 in a 0700 folder, whatever mode it had", () => {
    const file = path.join(dir, 'state', 'hosts.json');
    writePrivateFile(file, '{}');
    expect(modeOf(file)).toBe(0o600);
    expect(modeOf(path.dirname(file))).toBe(0o700);
    chmodSync(file, 0o644);
    writePrivateFile(file, '{"a":1}');
    expect(modeOf(file)).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toBe('{"a":1}');
  });

  it("keeps a symlinked servers.yaml a link with its mode when Berth adds a server to it", async () => {
    const real = path.join(dir, 'dotfiles', 'servers.yaml');
    mkdirSync(path.dirname(real));
    writeFileSync(real, '# mine\nservers:\n  keep: { image: kept }\n');
    chmodSync(real, 0o644);
    const file = path.join(dir, 'servers.yaml');
    symlinkSync(real, file);
    await writeServerEntry(file, 'ev', { catalog: 'everything' });
    expect(lstatSync(file).isSymbolicLink()).toBe(true);
    expect(modeOf(real)).toBe(0o644);
    expect(readFileSync(real, 'utf8')).toMatch(/# mine\nservers:\n {2}keep: \{ image: kept \}\n {2}ev:\n {4}catalog: everything\n/);
  });
});
