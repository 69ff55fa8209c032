import { execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import * as tarStream from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as images from '../../daemon/hosts/dockerImages.js';
import type { ContainerRuntime } from '../../daemon/hosts/runtime.js';
import { ensureBaseImage } from '../../daemon/images/baseImage.js';
import { buildNpmImage } from '../../daemon/images/npmImage.js';

type ImageRuntime = Pick<ContainerRuntime, 'imageExists' | 'pull' | 'build' | 'importRootfs'>;

const EVERYTHING = 'berth-test/everything:latest';
const docker = new Docker();
const rt: ImageRuntime = {
  imageExists: (ref) => images.imageExists(docker, ref),
  pull: (ref, onProgress) => images.pull(docker, ref, onProgress),
  build: (context, tag, onProgress, labels) => images.build(docker, context, tag, onProgress, labels),
  importRootfs: (tarball, tag, changes) => images.importRootfs(docker, tarball, tag, changes),
};

/** A runtime that fails the test if anything reaches it. */
const untouchable: Pick<ContainerRuntime, 'imageExists' | 'build'> = {
  imageExists: () => Promise.reject(new Error('imageExists must not be called')),
  build: () => Promise.reject(new Error('build must not be called')),
};

async function timed<T>(what: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await work();
  console.log(`${what} took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

describe('offline images', () => {
  let baseImage = '';
  let replaced: string[] = [];

  beforeAll(async () => {
    await docker.ping();
    replaced = await imageIds([EVERYTHING, `berth/node-base:${process.version.slice(1)}`]);
    // Pretend the image is missing so the import path runs every time; the tag is simply replaced.
    baseImage = await timed('base image', () => ensureBaseImage({ ...rt, imageExists: async () => false }, () => undefined));
  });

  // Rebuilding under the same tags leaves the previous images untagged; remove them (children first).
  afterAll(async () => {
    for (const id of replaced) {
      const info = await docker.getImage(id).inspect().catch(() => undefined);
      if (info && (info.RepoTags ?? []).length === 0) await docker.getImage(id).remove().catch(() => undefined);
    }
  });

  it('makes a base image that runs node as the mcp user', async () => {
    expect(baseImage).toBe(`berth/node-base:${process.version.slice(1)}`);
    const { stdout } = await promisify(execFile)('docker', [
      'run', '--rm', baseImage, 'node', '-e', 'console.log(1, process.getuid(), process.cwd(), require("os").userInfo().homedir)',
    ]);
    expect(stdout.trim()).toBe('1 10001 /app /home/mcp');
    expect(await images.imageDigest(docker, baseImage)).toMatch(/^sha256:/);
  });

  it('reuses an existing base image', async () => {
    const lines: string[] = [];
    expect(await ensureBaseImage(rt, (line) => lines.push(line))).toBe(baseImage);
    expect(lines).toEqual([]);
  });

  it('builds an npm MCP server that answers initialize in a locked-down container', async () => {
    const lines: string[] = [];
    await timed('everything image', () =>
      buildNpmImage(rt, {
        tag: EVERYTHING,
        npmPackage: '@modelcontextprotocol/server-everything',
        baseImage,
        onProgress: (line) => lines.push(line),
        force: true,
      }),
    );
    expect(lines.some((line) => line.startsWith('Successfully tagged'))).toBe(true);
    const labels = (await docker.getImage(EVERYTHING).inspect()).Config.Labels ?? {};
    expect(labels['berth.npm-package']).toMatch(/^@modelcontextprotocol\/server-everything@\d/);

    const answer = await initializeOverStdio(EVERYTHING);
    expect(answer).toMatchObject({ jsonrpc: '2.0', id: 1, result: { serverInfo: { name: expect.any(String) } } });
  });

  it('skips the build when the image exists', async () => {
    // An image of its own under the tag, whichever tests ran before.
    const [repo, tag] = ['berth-test/exists', 'latest'];
    await docker.getImage(baseImage).tag({ repo, tag });
    try {
      await buildNpmImage(
        { imageExists: rt.imageExists, build: () => Promise.reject(new Error('build must not be called')) },
        { tag: `${repo}:${tag}`, npmPackage: '@modelcontextprotocol/server-everything', baseImage, onProgress: () => undefined },
      );
    } finally {
      await docker.getImage(`${repo}:${tag}`).remove();
    }
  });

  it('says clearly when an npm package does not exist', async () => {
    await expect(
      buildNpmImage(
        { imageExists: async () => false, build: untouchable.build },
        { tag: 'berth-test/nothing:latest', npmPackage: '@berth-nonexistent/no-such-mcp-server', baseImage, onProgress: () => undefined },
      ),
    ).rejects.toThrow('npm package @berth-nonexistent/no-such-mcp-server was not found');
  });

  it('refuses unsafe package names and versions before anything runs', async () => {
    const base = { tag: 'berth-test/nothing:latest', baseImage, onProgress: () => undefined };
    await expect(buildNpmImage(untouchable, { ...base, npmPackage: 'foo;rm -rf /' })).rejects.toThrow(
      'invalid npm package name "foo;rm -rf /"',
    );
    await expect(buildNpmImage(untouchable, { ...base, npmPackage: 'foo', version: '1.0.0 --prefix=/' })).rejects.toThrow(
      /invalid npm version/,
    );
  });

  it('rejects a failing build step with the engine message', async () => {
    const context = tarOf({ Dockerfile: `FROM ${baseImage}\nCOPY missing-file /app/\n` });
    await expect(rt.build(context, 'berth-test/broken:latest', () => undefined)).rejects.toThrow(
      /^cannot build berth-test\/broken:latest: .*missing-file/,
    );
  });

  it('rejects a pull from an unreachable registry in one sentence', async () => {
    await expect(rt.pull('127.0.0.1:1/berth/nothing:1', () => undefined)).rejects.toThrow(
      /^cannot pull 127\.0\.0\.1:1\/berth\/nothing:1: .*connection refused/,
    );
  });
});

async function imageIds(refs: string[]): Promise<string[]> {
  const ids = await Promise.all(refs.map((ref) => images.imageDigest(docker, ref)));
  return ids.filter((id) => id !== undefined);
}

function tarOf(files: Record<string, string>): Readable {
  const pack = tarStream.pack();
  for (const [name, content] of Object.entries(files)) pack.entry({ name }, content);
  pack.finalize();
  return Readable.from(pack, { objectMode: false });
}

/** One `docker run -i --rm` with Berth's hardening flags; sends `initialize`, returns the first stdout line. */
function initializeOverStdio(image: string): Promise<unknown> {
  const child = spawn('docker', [
    'run', '-i', '--rm', '--network', 'none', '--read-only', '--tmpfs', '/tmp',
    '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', image,
  ], { stdio: ['pipe', 'pipe', 'inherit'] });
  const request = {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'berth-test', version: '0' } },
  };
  child.stdin.write(`${JSON.stringify(request)}\n`);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no answer to initialize within 30 s')), 30_000);
    child.once('error', reject);
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      // Closing stdin ends the stdio server, and with it the --rm container.
      child.stdin.end();
      resolve(JSON.parse(line));
    });
  });
}
