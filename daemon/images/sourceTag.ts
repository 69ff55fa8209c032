import { createHash } from 'node:crypto';
import { canonicalJson } from '../protocol/canonicalJson.js';
import type { BuildSource } from '../protocol/spec.js';

/**
 * The tag a git or folder build is made under when the spec names no image: the server's name and
 * a hash of the source as written, so a changed URL, ref, path or folder makes a new image (and a
 * new container), while rebuilding the same source (`berth build NAME`) replaces the tag.
 */
export function sourceImageTag(server: string, build: BuildSource): string {
  const slug = server.replace(/[._-]+/g, '-').replace(/^-+|-+$/g, '') || 'server';
  const hash = createHash('sha256').update(canonicalJson(build)).digest('hex').slice(0, 12);
  return `berth/src-${slug}:${hash}`;
}
