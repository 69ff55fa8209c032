import type { Provenance } from '../protocol/status.js';

/**
 * The labels a Berth build puts on its image to say what it was made from; status reads them back.
 * A pulled image carries its publisher's labels, not these: its provenance is its registry digest.
 */
export const SOURCE_LABEL = {
  kind: 'berth.source',
  /** `name@version`, for an npm package or a Node package in a repository or folder. */
  npmPackage: 'berth.npm-package',
  npmIntegrity: 'berth.npm-integrity',
  gitUrl: 'berth.git-url',
  gitCommit: 'berth.git-commit',
  gitPath: 'berth.git-path',
  folder: 'berth.folder',
  folderHash: 'berth.folder-hash',
} as const;

/** A package as `name@version` (scoped names keep their leading `@`). */
function splitPackage(text: string): { name: string; version: string } {
  const at = text.lastIndexOf('@');
  return at > 0 ? { name: text.slice(0, at), version: text.slice(at + 1) } : { name: text, version: '' };
}

/**
 * What the image of `ref` was made from: for a spec that builds it, what its labels recorded; for
 * one that names an image, the image and the digest it was pulled at (whatever labels it carries
 * are its publisher's word, not Berth's record).
 */
export function provenanceOf(ref: string, built: boolean, labels: Record<string, string> | undefined, digest: string | undefined): Provenance {
  const pulled = { kind: 'image' as const, ref, digest: digest?.includes('@') ? digest.slice(digest.indexOf('@') + 1) : digest };
  if (!built) return pulled;
  const l = labels ?? {};
  const pkg = l[SOURCE_LABEL.npmPackage];
  const kind = l[SOURCE_LABEL.kind] ?? (pkg ? 'npm' : undefined);
  if (kind === 'npm' && pkg) {
    const { name, version } = splitPackage(pkg);
    return { kind: 'npm', package: name, version, integrity: l[SOURCE_LABEL.npmIntegrity] };
  }
  const gitUrl = l[SOURCE_LABEL.gitUrl];
  const gitCommit = l[SOURCE_LABEL.gitCommit];
  if (kind === 'git' && gitUrl && gitCommit) return { kind: 'git', url: gitUrl, commit: gitCommit, path: l[SOURCE_LABEL.gitPath], package: pkg };
  const folder = l[SOURCE_LABEL.folder];
  const folderHash = l[SOURCE_LABEL.folderHash];
  if (kind === 'folder' && folder && folderHash) return { kind: 'folder', path: folder, contentHash: folderHash, package: pkg };
  return pulled;
}
