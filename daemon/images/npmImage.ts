import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import * as tarFs from 'tar-fs';
import { z } from 'zod';
import type { ContainerRuntime } from '../hosts/runtime.js';
import { MCP_UID } from './baseImage.js';
import { SOURCE_LABEL } from './provenance.js';
import { recordSbom, SBOM_LABEL } from './sbom.js';

/**
 * Images for MCP servers published on npm. The package is installed on the daemon's machine
 * (which can reach the registry) into a build context, and the image only copies it: nothing
 * inside the build needs a network, a shell or npm.
 */

export interface NpmImageOptions {
  tag: string;
  npmPackage: string;
  version?: string;
  baseImage: string;
  onProgress: (line: string) => void;
  force?: boolean;
}

/** npm's rules for new package names, minus the leading `-`/`.`/`_` that npm also refuses. */
const PACKAGE_NAME = /^(?:@[a-z0-9~][a-z0-9._~-]*\/)?[a-z0-9~][a-z0-9._~-]*$/;
/** Versions, ranges such as `^1.2` and dist-tags: nothing that a shell or npm would read as syntax. */
const VERSION_SPEC = /^[~^]?[0-9A-Za-z][0-9A-Za-z.+-]*$/;
/** What a registry may put in an installed package.json's version before it goes into a Dockerfile. */
const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
/** A bin path inside the package, kept to characters that need no quoting anywhere. */
const BIN_PATH = /^[A-Za-z0-9._@+-]+(?:\/[A-Za-z0-9._@+-]+)*$/;

/** A Subresource Integrity string, as npm records it: nothing else goes into a label. */
const INTEGRITY = /^sha(?:1|256|384|512)-[A-Za-z0-9+/=]+$/;

const lockFile = z.object({ packages: z.record(z.string(), z.object({ integrity: z.string().optional() }).passthrough()).optional() }).passthrough();

/** A local package's manifest: what it is called and which version it says it is. */
const localManifest = z.object({ name: z.string().max(214), version: z.string().regex(SEMVER, 'has an unexpected version') }).passthrough();

const installedManifest = z.object({
  version: z.string().regex(SEMVER, 'has an unexpected version'),
  bin: z.union([z.string(), z.record(z.string(), z.string())]).optional(),
});

/** Throws a readable error unless the package name and version are safe to pass to npm. */
export function validateNpmSpec(npmPackage: string, version?: string): void {
  if (npmPackage.length > 214 || !PACKAGE_NAME.test(npmPackage)) {
    throw new Error(`invalid npm package name ${JSON.stringify(npmPackage)}`);
  }
  if (version !== undefined && (version.length > 64 || !VERSION_SPEC.test(version))) {
    throw new Error(`invalid npm version ${JSON.stringify(version)} for ${npmPackage}`);
  }
}

export async function buildNpmImage(
  rt: Pick<ContainerRuntime, 'build' | 'imageExists'>,
  opts: NpmImageOptions,
): Promise<void> {
  validateNpmSpec(opts.npmPackage, opts.version);
  if (!opts.force && (await rt.imageExists(opts.tag))) return;
  const version = opts.version ?? 'latest';
  await installAndBuild(rt, opts, { name: opts.npmPackage, wanted: version, install: async () => `${opts.npmPackage}@${version}` }, { [SOURCE_LABEL.kind]: 'npm' });
}

export interface PackageImageOptions {
  tag: string;
  /** A folder holding a package.json: a git checkout's, or a local folder. */
  packageDir: string;
  baseImage: string;
  onProgress: (line: string) => void;
  /** What the folder is (git or folder provenance labels); the package's own name and version are added. */
  labels: Record<string, string>;
}

/**
 * A Node package from a folder on this machine, built exactly like an npm one: packed as npm would
 * publish it (its `files`, no scripts run), installed from that tarball with its dependencies from
 * the registry, and copied into the image.
 */
export async function buildPackageImage(rt: Pick<ContainerRuntime, 'build'>, opts: PackageImageOptions): Promise<void> {
  const manifest = localManifest.safeParse(JSON.parse(await readFile(join(opts.packageDir, 'package.json'), 'utf8')));
  if (!manifest.success || !PACKAGE_NAME.test(manifest.data.name)) {
    throw new Error(`the package.json in ${opts.packageDir} needs a valid "name" and "version" to be built like an npm package`);
  }
  const { name, version } = manifest.data;
  const packDir = await mkdtemp(join(tmpdir(), 'berth-pack-'));
  try {
    await installAndBuild(rt, opts, { name, wanted: version, install: () => npmPack(opts.packageDir, packDir, opts.onProgress) }, opts.labels);
  } finally {
    await rm(packDir, { recursive: true, force: true });
  }
}

interface Install {
  /** The package's name: where it lands under node_modules. */
  name: string;
  /** The version asked for, for error messages. */
  wanted: string;
  /** What `npm install` is given: `name@version`, or a packed tarball's path. */
  install: () => Promise<string>;
}

/** Installs the package into a build context and builds the image, labelled with the installed version and integrity. */
async function installAndBuild(
  rt: Pick<ContainerRuntime, 'build'>,
  opts: { tag: string; baseImage: string; onProgress: (line: string) => void },
  pkg: Install,
  labels: Record<string, string>,
): Promise<void> {
  const context = await mkdtemp(join(tmpdir(), 'berth-npm-'));
  try {
    const app = join(context, 'app');
    await mkdir(app);
    // A package.json of its own stops npm from walking up and installing into some parent project.
    // A version of its own too: `npm sbom` cannot name a root package without one.
    await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'berth-npm-image', version: '0.0.0', private: true }));
    await npmInstall(app, await pkg.install(), pkg, opts.onProgress);

    const { version, entry, integrity } = await readInstalled(app, pkg.name);
    opts.onProgress(`recording the bill of materials (npm sbom, CycloneDX)`);
    const sbom = await recordSbom(app);
    await writeFile(join(context, 'Dockerfile'), dockerfile(opts.baseImage, entry));
    opts.onProgress(`building ${opts.tag} from ${pkg.name}@${version}`);
    const recorded = { ...labels, [SOURCE_LABEL.npmPackage]: `${pkg.name}@${version}`, ...(integrity && { [SOURCE_LABEL.npmIntegrity]: integrity }), [SBOM_LABEL]: sbom };
    await rt.build(Readable.from(tarFs.pack(context), { objectMode: false }), opts.tag, opts.onProgress, recorded);
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}

function dockerfile(baseImage: string, entry: string): string {
  return [`FROM ${baseImage}`, 'COPY app /app', `USER ${MCP_UID}:${MCP_UID}`, 'WORKDIR /app', `ENTRYPOINT ${JSON.stringify(['node', entry])}`, ''].join('\n');
}

/** `npm pack` of a folder into `into`, without its scripts; gives the tarball's path. */
async function npmPack(folder: string, into: string, onProgress: (line: string) => void): Promise<string> {
  onProgress(`packing the Node package in ${folder}`);
  const before = new Set(await readdir(into));
  await runNpm(['pack', folder, '--pack-destination', into, '--ignore-scripts', '--silent'], into, onProgress, (errors, code) => `npm pack of ${folder} failed${errors[0] ? `: ${errors[0].replace(/^npm error\s*/, '')}` : ` with exit code ${code}`}`);
  const tarball = (await readdir(into)).find((f) => !before.has(f) && f.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack of ${folder} made no package tarball`);
  return join(into, tarball);
}

/** The installed version, its integrity as the lock file records it, and the absolute in-image path of the package's (first) bin script. */
async function readInstalled(app: string, npmPackage: string): Promise<{ version: string; entry: string; integrity?: string }> {
  const packageDir = posix.join('node_modules', npmPackage);
  const parsed = installedManifest.safeParse(JSON.parse(await readFile(join(app, packageDir, 'package.json'), 'utf8')));
  if (!parsed.success) throw new Error(`npm package ${npmPackage} ${parsed.error.issues[0]?.message ?? 'has an unreadable package.json'}`);
  const { bin, version } = parsed.data;
  const script = typeof bin === 'string' ? bin : Object.values(bin ?? {})[0];
  if (script === undefined) throw new Error(`npm package ${npmPackage} has no "bin" entry to run`);
  const relative = posix.normalize(script);
  if (relative.startsWith('../') || !BIN_PATH.test(relative)) {
    throw new Error(`npm package ${npmPackage} has an unusable bin path ${JSON.stringify(script)}`);
  }
  const lock = lockFile.safeParse(JSON.parse(await readFile(join(app, 'package-lock.json'), 'utf8').catch(() => '{}')));
  const integrity = lock.data?.packages?.[packageDir]?.integrity;
  return { version, entry: posix.join('/app', packageDir, relative), integrity: integrity && INTEGRITY.test(integrity) ? integrity : undefined };
}

/** Runs npm without a shell, streaming its lines, and turns its failure codes into one sentence. */
function npmInstall(app: string, installArg: string, pkg: Pick<Install, 'name' | 'wanted'>, onProgress: (line: string) => void): Promise<void> {
  const args = ['install', '--prefix', app, '--omit=dev', '--no-audit', '--no-fund', '--ignore-scripts', installArg];
  return runNpm(args, app, onProgress, (errors, code) => npmFailure(errors, pkg.name, pkg.wanted, code));
}

function runNpm(args: string[], cwd: string, onProgress: (line: string) => void, failure: (errors: string[], code: number | null) => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const errors: string[] = [];
    for (const output of [child.stdout, child.stderr]) {
      createInterface({ input: output }).on('line', (line) => {
        if (line.trim() === '') return;
        if (line.startsWith('npm error')) errors.push(line);
        onProgress(line);
      });
    }
    child.once('error', (err) => reject(new Error(`cannot run npm: ${err.message}`)));
    child.once('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(failure(errors, code)));
    });
  });
}

function npmFailure(errors: string[], npmPackage: string, version: string, code: number | null): string {
  const spec = `${npmPackage}@${version}`;
  const text = errors.join('\n');
  if (/\bcode E404\b/.test(text)) return `npm package ${npmPackage} was not found`;
  if (/\bcode ETARGET\b/.test(text)) return `npm has no version of ${npmPackage} matching ${version}`;
  if (/\bcode (?:ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT)\b/.test(text)) return `cannot reach the npm registry to install ${spec}`;
  const detail = errors
    .map((line) => line.replace(/^npm error\s*/, ''))
    .find((line) => line && !line.startsWith('code ') && !line.startsWith('A complete log'));
  return `npm install ${spec} failed${detail ? `: ${detail}` : ` with exit code ${code}`}`;
}
