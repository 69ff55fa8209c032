import type { ContainerRuntime } from '../hosts/runtime.js';
import type { BuildSource } from '../protocol/spec.js';
import { ensureBaseImage } from './baseImage.js';
import { buildNpmImage } from './npmImage.js';
import { buildFolderImage, buildGitImage } from './sourceImage.js';

/**
 * Makes the spec's image present on the engine: a local image is used as is; a spec with a build
 * source is built (an npm package offline from the registry's tarball, a git repository or a
 * folder from its Dockerfile or Node package); anything else is pulled, with progress.
 */
export async function ensureImage(rt: ContainerRuntime, spec: { image: string; build?: BuildSource }, onProgress: (line: string) => void, force = false): Promise<void> {
  if (!force && (await rt.imageExists(spec.image))) return;
  const build = spec.build;
  if (build && 'npm' in build) {
    onProgress(`building ${spec.image} from npm package ${build.npm}${build.version ? `@${build.version}` : ''}`);
    const baseImage = await ensureBaseImage(rt, onProgress);
    await buildNpmImage(rt, { tag: spec.image, npmPackage: build.npm, version: build.version, baseImage, onProgress, force });
    return;
  }
  if (build && 'git' in build) return buildGitImage(rt, spec.image, build, onProgress);
  if (build && 'folder' in build) return buildFolderImage(rt, spec.image, build, onProgress);
  onProgress(`pulling ${spec.image}`);
  try {
    await rt.pull(spec.image, onProgress);
  } catch (e) {
    throw new Error(`image ${spec.image} is not on this engine and could not be pulled (${(e as Error).message}); build or load it first`);
  }
}
