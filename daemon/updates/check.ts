import type { ContainerRuntime } from '../hosts/runtime.js';
import type { ServerSpec } from '../protocol/spec.js';
import type { UpdateCheck } from '../protocol/updates.js';
import { SOURCE_LABEL } from '../images/provenance.js';
import { imageOf, kindOf } from '../servers/kind.js';
import { digestOf, parseImageRef, remoteDigest } from './imageRegistry.js';
import { npmVersions } from './npmRegistry.js';
import { changeBetween, isStableVersion, newestVersion } from './semver.js';

/** What the newer version is made from: for npm, the version; for an image, the digest its tag now names. */
export interface Candidate {
  check: UpdateCheck;
  /** The spec fields an update to it writes. */
  fields?: Pick<ServerSpec, 'image' | 'build'>;
}

/** Images Berth builds from npm are named by the version they hold: `berth/mcp-memory:2026.8.31`. */
export function imageForVersion(image: string, version: string): string {
  const bare = image.split('@')[0] ?? image;
  const colon = bare.lastIndexOf(':');
  const repo = colon > bare.lastIndexOf('/') ? bare.slice(0, colon) : bare;
  return `${repo}:${version}`;
}

/** The npm version an image holds, from the label its build wrote (`berth.npm-package=PKG@VERSION`). */
export async function builtVersion(rt: ContainerRuntime, spec: ServerSpec): Promise<string | undefined> {
  const label = (await rt.imageLabels(imageOf(spec)).catch(() => undefined))?.[SOURCE_LABEL.npmPackage];
  const at = label?.lastIndexOf('@') ?? -1;
  return label && at > 0 ? label.slice(at + 1) : undefined;
}

/**
 * What a server runs, from the engine alone (no registry asked): a label for people (the npm
 * version, or a registry digest's first 12 hex digits) and the image fields that bring exactly it
 * back (a registry image pinned by its digest, since its tag may have moved since).
 */
export async function runningVersion(rt: ContainerRuntime, spec: ServerSpec): Promise<{ label: string; fields: Pick<ServerSpec, 'image' | 'build'> }> {
  const image = imageOf(spec);
  if (spec.build) return { label: (await builtVersion(rt, spec)) ?? ('npm' in spec.build ? spec.build.version : undefined) ?? image, fields: { image, build: spec.build } };
  const digest = parseImageRef(image).digest ?? digestOf(await rt.imageDigest(image).catch(() => undefined));
  if (!digest) return { label: image, fields: { image, build: undefined } };
  return { label: short(digest), fields: { image: `${image.split('@')[0] ?? image}@${digest}`, build: undefined } };
}

/** Asks the source of one server's spec for something newer than what it runs; never throws. */
export async function checkSpec(rt: ContainerRuntime, spec: ServerSpec): Promise<Candidate> {
  const base = { name: spec.name, checkedAt: Date.now() };
  const kind = kindOf(spec);
  if (kind !== 'container') return { check: { ...base, source: 'none', note: kind === 'remote' ? 'a remote server is updated by whoever hosts it' : 'an external command is updated on the host, not by Berth' } };
  if (spec.build && !('npm' in spec.build)) {
    return { check: { ...base, source: 'none', note: 'git and folder sources are not checked for updates; rebuild with `berth build NAME --force`' } };
  }
  const image = imageOf(spec);
  try {
    if (spec.build) {
      const current = (await builtVersion(rt, spec)) ?? spec.build.version;
      if (!current || !isStableVersion(current)) {
        return { check: { ...base, source: 'npm', current, note: `its version ${current ?? '(none)'} is not an exact version; pin one (build.version) to have it checked` } };
      }
      const { versions, distTags } = await npmVersions(spec.build.npm);
      const available = newestVersion(current, versions, distTags.latest);
      if (!available) return { check: { ...base, source: 'npm', current, note: `${spec.build.npm}@${current} is the newest` } };
      const change = changeBetween(current, available);
      return {
        check: { ...base, source: 'npm', current, available, change },
        fields: { image: imageForVersion(image, available), build: { npm: spec.build.npm, version: available } },
      };
    }
    const ref = parseImageRef(image);
    const engineDigest = await rt.imageDigest(image).catch(() => undefined);
    // An image with an id but no registry digest was built or loaded here: no registry knows it.
    if (engineDigest && !engineDigest.includes('@') && !ref.digest) return { check: { ...base, source: 'none', current: short(engineDigest), note: `${image} was built or loaded on this engine; no registry to ask` } };
    const local = digestOf(engineDigest);
    const current = ref.digest ?? local;
    const remote = await remoteDigest(ref);
    if (!current) return { check: { ...base, source: 'image', available: remote, note: `${image} is not on the engine yet` } };
    if (remote === current) return { check: { ...base, source: 'image', current, note: `${ref.repository}:${ref.tag} still names ${short(current)}` } };
    const bare = image.split('@')[0] ?? image;
    return {
      check: { ...base, source: 'image', current, available: remote, change: 'digest', note: `the tag ${ref.tag} moved: ${short(current)} → ${short(remote)}` },
      fields: { image: `${bare}@${remote}`, build: undefined },
    };
  } catch (e) {
    return { check: { ...base, source: spec.build ? 'npm' : 'image', note: (e as Error).message } };
  }
}

export function short(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}
