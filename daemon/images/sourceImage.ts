import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdtemp, readdir, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import * as tarFs from 'tar-fs';
import type { ContainerRuntime } from '../hosts/runtime.js';
import type { FolderBuild, GitBuild } from '../protocol/spec.js';
import type { z } from 'zod';
import { ensureBaseImage } from './baseImage.js';
import { gitCheckout, withoutCredentials } from './gitCheckout.js';
import { buildPackageImage } from './npmImage.js';
import { SOURCE_LABEL } from './provenance.js';

type Runtime = Pick<ContainerRuntime, 'build' | 'imageExists' | 'pull' | 'importRootfs'>;
type Progress = (line: string) => void;

/** Never part of what a folder build reads: version control and installed dependencies (npm installs its own). */
const SKIPPED = new Set(['.git', 'node_modules']);

/** A repository at a ref: cloned into a temporary folder, built from `path` there, the folder removed. */
export async function buildGitImage(rt: Runtime, tag: string, build: z.infer<typeof GitBuild>, onProgress: Progress): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-git-'));
  try {
    const commit = await gitCheckout(build.git, build.ref, dir, onProgress);
    const labels = {
      [SOURCE_LABEL.kind]: 'git',
      [SOURCE_LABEL.gitUrl]: withoutCredentials(build.git),
      [SOURCE_LABEL.gitCommit]: commit,
      ...(build.path && { [SOURCE_LABEL.gitPath]: build.path }),
    };
    await buildDirectory(rt, tag, build.path ? join(dir, build.path) : dir, labels, `${withoutCredentials(build.git)}${build.path ? ` (${build.path})` : ''}`, onProgress);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A local folder, labelled with the hash of the contents it was built from. */
export async function buildFolderImage(rt: Runtime, tag: string, build: z.infer<typeof FolderBuild>, onProgress: Progress): Promise<void> {
  const hash = await folderHash(build.folder);
  const labels = { [SOURCE_LABEL.kind]: 'folder', [SOURCE_LABEL.folder]: build.folder, [SOURCE_LABEL.folderHash]: hash };
  await buildDirectory(rt, tag, build.folder, labels, build.folder, onProgress);
}

/** A Dockerfile there is built as it is; otherwise a package.json is built like an npm package. */
async function buildDirectory(rt: Runtime, tag: string, dir: string, labels: Record<string, string>, what: string, onProgress: Progress): Promise<void> {
  const has = async (name: string) => (await lstat(join(dir, name)).catch(() => undefined))?.isFile() === true;
  if (!(await lstat(dir).catch(() => undefined))?.isDirectory()) throw new Error(`${what} is not a folder Berth can build from`);
  if (await has('Dockerfile')) {
    onProgress(`building ${tag} from the Dockerfile in ${what}`);
    const context = tarFs.pack(dir, { ignore: (name) => relative(dir, name).split(/[\\/]/).some((part) => SKIPPED.has(part)) });
    await rt.build(Readable.from(context as AsyncIterable<Buffer>, { objectMode: false }), tag, onProgress, labels);
    return;
  }
  if (await has('package.json')) {
    onProgress(`building ${tag} from the Node package in ${what}`);
    const baseImage = await ensureBaseImage(rt, onProgress);
    await buildPackageImage(rt, { tag, packageDir: dir, baseImage, onProgress, labels });
    return;
  }
  throw new Error(`${what} has neither a Dockerfile nor a package.json, so Berth does not know how to build it`);
}

/**
 * `sha256:` of every file's path and contents (and every symlink's target), in path order,
 * leaving out what a build leaves out: two folders with the same hash build the same image.
 */
export async function folderHash(root: string): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (dir: string): Promise<void> => {
    for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (SKIPPED.has(entry.name)) continue;
      const full = join(dir, entry.name);
      const rel = relative(root, full);
      if (entry.isDirectory()) {
        hash.update(`d ${rel}\0`);
        await walk(full);
      } else if (entry.isFile()) {
        hash.update(`f ${rel}\0`);
        for await (const chunk of createReadStream(full)) hash.update(chunk as Buffer);
        hash.update('\0');
      } else if (entry.isSymbolicLink()) {
        hash.update(`l ${rel}\0${await readlink(full)}\0`);
      }
    }
  };
  await walk(root);
  return `sha256:${hash.digest('hex')}`;
}
