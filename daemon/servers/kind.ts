import type { ServerSpec } from '../protocol/spec.js';
import type { ServerKind } from '../protocol/status.js';

/** Whether a server is a container of Berth's, a hosted remote server, or a command on the host. */
export function kindOf(spec: Pick<ServerSpec, 'remote' | 'external'>): ServerKind {
  return spec.remote ? 'remote' : spec.external ? 'external' : 'container';
}

/** A container server's image; asking it of a remote or external server is Berth's own mistake, said plainly. */
export function imageOf(spec: Pick<ServerSpec, 'name' | 'image' | 'remote' | 'external'>): string {
  if (spec.image === undefined) throw new Error(`server ${spec.name} is ${kindOf(spec)}, not a container; it has no image`);
  return spec.image;
}

/** What status shows in the image column: the image, the remote URL, or the host command. */
export function runsWhat(spec: Pick<ServerSpec, 'image' | 'remote' | 'external'>): string {
  return spec.remote?.url ?? (spec.external ? [spec.external.command, ...(spec.external.args ?? [])].join(' ') : (spec.image ?? ''));
}
