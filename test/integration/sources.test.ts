import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseImageRef } from '../../daemon/images/baseImage.js';
import { folderHash } from '../../daemon/images/sourceImage.js';
import { freePort, TestHome, waitFor } from '../support.js';

const run = promisify(execFile);
const PACKAGE = path.resolve('test', 'fixtures', 'sources', 'node-package');

/** A Dockerfile variant of the fixture server: the same script, on the base image, saying it came from `origin`. */
function dockerfile(origin: string): string {
  return [`FROM ${baseImageRef()}`, 'COPY server.js /app/server.js', `ENV SOURCE_NAME=${origin}`, 'USER 10001:10001', 'ENTRYPOINT ["node", "/app/server.js"]', ''].join('\n');
}

async function labels(image: string): Promise<Record<string, string>> {
  const { stdout } = await run('docker', ['image', 'inspect', '--format', '{{json .Config.Labels}}', image]);
  return JSON.parse(stdout) as Record<string, string>;
}

/** Images this file's servers were built under, removed at the end (they are tagged by hash, so nobody else's). */
const built = new Set<string>();

describe('sources: git, folder and registry images', () => {
  let home: TestHome;
  let work: string;
  /** A bare repository served over file://, holding the Node package at `pkg` and a Dockerfile at `docker`. */
  let repoUrl: string;
  let tagCommit: string;

  beforeAll(async () => {
    home = await TestHome.create();
    work = await mkdtemp(path.join(os.tmpdir(), 'berth-sources-'));
    const checkout = path.join(work, 'checkout');
    await cp(PACKAGE, path.join(checkout, 'pkg'), { recursive: true });
    await mkdir(path.join(checkout, 'docker'));
    await cp(path.join(PACKAGE, 'server.js'), path.join(checkout, 'docker', 'server.js'));
    await writeFile(path.join(checkout, 'docker', 'Dockerfile'), dockerfile('git-dockerfile'));
    const git = (cwd: string, ...args: string[]) => run('git', ['-c', 'user.name=Berth Test', '-c', 'user.email=test@berth.invalid', '-c', 'init.defaultBranch=main', ...args], { cwd });
    await git(checkout, 'init', '-q');
    await git(checkout, 'add', '-A');
    await git(checkout, 'commit', '-qm', 'fixture server');
    await git(checkout, 'tag', 'v1');
    tagCommit = (await git(checkout, 'rev-parse', 'HEAD')).stdout.trim();
    // A later commit on main, so a build at v1 is told apart from one at the branch's head.
    await writeFile(path.join(checkout, 'pkg', 'NOTES'), 'after v1\n');
    await git(checkout, 'add', '-A');
    await git(checkout, 'commit', '-qm', 'after v1');
    await git(work, 'clone', '-q', '--bare', checkout, 'repo.git');
    repoUrl = `file://${path.join(work, 'repo.git')}`;
  });

  afterAll(async () => {
    await home.dispose();
    for (const image of built) await run('docker', ['rmi', '-f', image]).catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  });

  async function startAndCall(name: string): Promise<string> {
    const status = await home.server(name);
    built.add(status.image);
    return (await home.ok(['call', name, 'origin'])).trim();
  }

  it('builds a Node package from a git repository at a tag and records the commit', async () => {
    await home.ok(['add', 'from-git', '--git', repoUrl, '--ref', 'v1', '--path', 'pkg', '--start']);
    expect(await startAndCall('from-git')).toBe('built from package');
    const status = await home.server('from-git');
    expect(status.phase).toBe('healthy');
    expect(status.image).toMatch(/^berth\/src-from-git:[0-9a-f]{12}$/);
    expect(status.provenance).toEqual({ kind: 'git', url: repoUrl, commit: tagCommit, path: 'pkg', package: 'berth-fixture-source-server@1.2.3' });
    expect(await labels(status.image)).toMatchObject({
      'berth.source': 'git',
      'berth.git-commit': tagCommit,
      'berth.npm-package': 'berth-fixture-source-server@1.2.3',
      'berth.npm-integrity': expect.stringMatching(/^sha512-/),
    });
    expect(await home.ok(['status', 'from-git'])).toContain(`from-git: from git ${repoUrl} at ${tagCommit.slice(0, 12)} (pkg)`);
  });

  it("builds a repository's Dockerfile at the default branch", async () => {
    await home.ok(['add', 'git-docker', '--git', repoUrl, '--path', 'docker', '--start']);
    expect(await startAndCall('git-docker')).toBe('built from git-dockerfile');
    const status = await home.server('git-docker');
    const head = (await run('git', ['--git-dir', path.join(work, 'repo.git'), 'rev-parse', 'HEAD'])).stdout.trim();
    expect(head).not.toBe(tagCommit);
    expect(status.provenance).toMatchObject({ kind: 'git', commit: head, path: 'docker' });
  });

  it('says which ref cannot be fetched, and does not retry a source that is not there', async () => {
    const r = await home.berth(['add', 'bad-ref', '--git', repoUrl, '--ref', 'no-such-tag', '--start']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`cannot fetch ${repoUrl} at no-such-tag: couldn't find remote ref no-such-tag`);
    expect(await home.server('bad-ref')).toMatchObject({ phase: 'error', restartCount: 0, message: expect.stringContaining('cannot fetch') });
  });

  it('builds a Node package and a Dockerfile from local folders, labelled with their content hash', async () => {
    await home.ok(['add', 'from-folder', '--folder', PACKAGE, '--start']);
    expect(await startAndCall('from-folder')).toBe('built from package');
    const hash = await folderHash(PACKAGE);
    expect((await home.server('from-folder')).provenance).toEqual({ kind: 'folder', path: PACKAGE, contentHash: hash, package: 'berth-fixture-source-server@1.2.3' });

    const folder = path.join(work, 'docker-folder');
    await mkdir(folder);
    await cp(path.join(PACKAGE, 'server.js'), path.join(folder, 'server.js'));
    await writeFile(path.join(folder, 'Dockerfile'), dockerfile('folder-dockerfile'));
    await home.ok(['add', 'folder-docker', '--folder', folder, '--start']);
    expect(await startAndCall('folder-docker')).toBe('built from folder-dockerfile');
    expect(await labels((await home.server('folder-docker')).image)).toMatchObject({ 'berth.source': 'folder', 'berth.folder': folder, 'berth.folder-hash': await folderHash(folder) });
  });

  it('refuses a sensitive folder with one sentence', async () => {
    const r = await home.berth(['add', 'secrets', '--folder', path.join(os.homedir(), '.ssh')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/is or holds a sensitive path .*which Berth never builds from/);
  });

  describe('an image from a registry on loopback', () => {
    let registry: ChildProcess | undefined;
    let port = 0;

    beforeAll(async () => {
      port = await freePort();
      const config = path.join(work, 'registry.yml');
      await writeFile(config, `version: 0.1\nlog: { level: error }\nstorage: { filesystem: { rootdirectory: ${path.join(work, 'registry')} } }\nhttp: { addr: 127.0.0.1:${port} }\n`);
      registry = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
      await waitFor('the registry to answer', async () => (await fetch(`http://127.0.0.1:${port}/v2/`)).ok, 30_000);
    });

    afterAll(() => {
      registry?.kill();
    });

    it('pulls an absent image with progress and records its digest', async () => {
      // An image built from the fixture folder here, pushed under the registry's name and then untagged, so it must be pulled back.
      await home.ok(['add', 'pull-source', '--folder', PACKAGE]);
      await home.ok(['build', 'pull-source']);
      const source = (await home.server('pull-source')).image;
      const remote = `127.0.0.1:${port}/berth-test/source-server:1`;
      await run('docker', ['tag', source, remote]);
      const pushed = await run('docker', ['push', remote]);
      const digest = /digest: (sha256:[0-9a-f]{64})/.exec(pushed.stdout)?.[1];
      expect(digest).toBeDefined();
      await run('docker', ['rmi', remote]);
      built.add(remote);

      const added = await home.berth(['add', 'pulled', '--image', remote, '--start'], { BERTH_PROGRESS: '1' });
      expect(added.code).toBe(0);
      expect(added.stderr).toContain(`pulling ${remote}`);
      expect(await startAndCall('pulled')).toBe('built from package');
      expect((await home.server('pulled')).provenance).toEqual({ kind: 'image', ref: remote, digest });
    });
  });
});
