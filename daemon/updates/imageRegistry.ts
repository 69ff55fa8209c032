/**
 * A registry image's current digest under its tag, asked with a HEAD of its manifest (the
 * registry API v2): nothing is pulled. Anonymous access only; a registry that wants a login says so.
 */

export interface RegistryRef {
  registry: string;
  repository: string;
  tag: string;
  /** The digest the reference pins, if it pins one (`name:tag@sha256:…`). */
  digest?: string;
}

const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/** Docker's reading of a reference: a first part with a dot, a colon or `localhost` names a registry; else Docker Hub. */
export function parseImageRef(ref: string): RegistryRef {
  const [withTag = ref, digest] = ref.split('@');
  const slash = withTag.indexOf('/');
  const first = slash < 0 ? '' : withTag.slice(0, slash);
  const hasRegistry = first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost');
  const registry = hasRegistry ? first : 'registry-1.docker.io';
  let path = hasRegistry ? withTag.slice(slash + 1) : withTag;
  let tag = 'latest';
  const colon = path.lastIndexOf(':');
  if (colon > path.lastIndexOf('/')) [path, tag] = [path.slice(0, colon), path.slice(colon + 1)];
  if (!hasRegistry && !path.includes('/')) path = `library/${path}`;
  return { registry, repository: path, tag, ...(digest ? { digest } : {}) };
}

/** Loopback registries speak plain HTTP (as Docker allows for them); every other one HTTPS. */
function baseUrl(registry: string): string {
  const host = registry.replace(/:\d+$/, '');
  const plain = host === 'localhost' || host === '[::1]' || /^127\./.test(host);
  return `${plain ? 'http' : 'https'}://${registry}`;
}

export async function remoteDigest(ref: RegistryRef, fetchImpl: typeof fetch = fetch): Promise<string> {
  const url = `${baseUrl(ref.registry)}/v2/${ref.repository}/manifests/${encodeURIComponent(ref.tag)}`;
  let res: Response;
  try {
    res = await fetchImpl(url, { method: 'HEAD', headers: { Accept: MANIFEST_TYPES }, signal: AbortSignal.timeout(30_000) });
  } catch (e) {
    throw new Error(`cannot reach registry ${ref.registry} (${(e as Error).message})`);
  }
  if (res.status === 401) throw new Error(`registry ${ref.registry} wants a login to read ${ref.repository}; Berth asks registries anonymously`);
  if (res.status === 404) throw new Error(`registry ${ref.registry} has no ${ref.repository}:${ref.tag}`);
  if (!res.ok) throw new Error(`registry ${ref.registry} answered HTTP ${res.status} for ${ref.repository}:${ref.tag}`);
  const digest = res.headers.get('docker-content-digest');
  if (!digest || !/^sha256:[a-f0-9]{64}$/.test(digest)) throw new Error(`registry ${ref.registry} gave no digest for ${ref.repository}:${ref.tag}`);
  return digest;
}

/** The digest part of what the engine reports (`repo@sha256:…` from RepoDigests, or an image id). */
export function digestOf(engineDigest: string | undefined): string | undefined {
  return engineDigest?.split('@')[1];
}
