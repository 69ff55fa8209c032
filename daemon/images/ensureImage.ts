import type { ContainerRuntime } from '../hosts/runtime.js';
import type { ServerSpec } from '../protocol/spec.js';
import { ensureBaseImage } from './baseImage.js';
import { buildNpmImage } from './npmImage.js';

/**
 * Makes the spec's image present on the engine: a local image is used as is; a spec with a build
 * source (every catalog entry) is built offline from its npm package; anything else is pulled.
 */
export async function ensureImage(rt: ContainerRuntime, spec: Pick<ServerSpec, 'image' | 'build'>, onProgress: (line: string) => void, force = false): Promise<void> {
  if (!force && (await rt.imageExists(spec.image))) return;
  if (spec.build) {
    onProgress(`building ${spec.image} from npm package ${spec.build.npm}${spec.build.version ? `@${spec.build.version}` : ''}`);
    const baseImage = await ensureBaseImage(rt, onProgress);
    await buildNpmImage(rt, { tag: spec.image, npmPackage: spec.build.npm, version: spec.build.version, baseImage, onProgress, force });
    return;
  }
  onProgress(`pulling ${spec.image}`);
  try {
    await rt.pull(spec.image, onProgress);
  } catch (e) {
    throw new Error(`image ${spec.image} is not on this engine and could not be pulled (${(e as Error).message}); build or load it first`);
  }
}
