import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseImageRef } from '../../daemon/images/baseImage.js';
import { FIXTURE_IMAGE, TestHome, waitFor } from '../support.js';

const run = promisify(execFile);
const SERVER_JS = path.resolve('test', 'fixtures', 'sources', 'node-package', 'server.js');

/** The fixture server on the base image, answering `origin` with "built from ORIGIN". */
function dockerfile(origin: string): string {
  return [`FROM ${baseImageRef()}`, 'COPY server.js /app/server.js', `ENV SOURCE_NAME=${origin}`, 'USER 10001:10001', 'ENTRYPOINT ["node", "/app/server.js"]', ''].join('\n');
}

async function imageId(ref: string): Promise<string> {
  return (await run('docker', ['image', 'inspect', '--format', '{{.Id}}', ref])).stdout.trim();
}

async function containerImage(id: string): Promise<string> {
  return (await run('docker', ['container', 'inspect', '--format', '{{.Image}}', id])).stdout.trim();
}

// One server's images, told in order (built, rebuilt, its tag moved, taken back): each case builds
// on the image the one before left, so this describe runs in file order, not shuffled.
describe('a rebuild reaches the running server; a tag moved outside Berth is refused', { shuffle: false }, () => {
  let home: TestHome;
  let folder: string;
  const tags = new Set<string>();

  beforeAll(async () => {
    home = await TestHome.create();
    folder = await mkdtemp(path.join(os.tmpdir(), 'berth-pins-'));
    await cp(SERVER_JS, path.join(folder, 'server.js'));
    await writeFile(path.join(folder, 'Dockerfile'), dockerfile('v1'));
  });

  afterAll(async () => {
    await home.dispose();
    for (const t of tags) await run('docker', ['rmi', '-f', t]).catch(() => undefined);
    await rm(folder, { recursive: true, force: true });
  });

  const origin = async () => (await home.ok(['call', 'tiny', 'origin'])).trim();
  const running = async () => {
    const s = await home.server('tiny');
    if (!s.containerId) throw new Error('tiny has no container');
    return { id: s.containerId, image: await containerImage(s.containerId), tag: s.image };
  };

  it('build --force then restart runs the new image, made beside the old container', async () => {
    await home.ok(['add', 'tiny', '--folder', folder, '--start']);
    expect(await origin()).toBe('built from v1');
    const before = await running();
    tags.add(before.tag);

    await writeFile(path.join(folder, 'Dockerfile'), dockerfile('v2'));
    await home.ok(['build', 'tiny', '--force']);
    await home.ok(['restart', 'tiny']);
    expect(await origin()).toBe('built from v2');
    const after = await running();
    expect(after.tag).toBe(before.tag);
    expect(after.id).not.toBe(before.id);
    expect(after.image).toBe(await imageId(after.tag));
    expect(after.image).not.toBe(before.image);
    const log = await home.ok(['logs', 'tiny', '--lines', '200']);
    expect(log).toContain('for the rebuilt image; replacing');
  });

  it('a plain start after stop runs the rebuilt image too', async () => {
    await home.ok(['stop', 'tiny']);
    await writeFile(path.join(folder, 'Dockerfile'), dockerfile('v3'));
    await home.ok(['build', 'tiny', '--force']);
    await home.ok(['start', 'tiny']);
    expect(await origin()).toBe('built from v3');
    const now = await running();
    expect(now.image).toBe(await imageId(now.tag));
  });

  it('refuses a tag moved by `docker build -t` outside Berth, keeps serving, and takes it back with build --force', async () => {
    const { tag, image: pinned, id } = await running();
    await writeFile(path.join(folder, 'Dockerfile'), dockerfile('outsider'));
    await run('docker', ['build', '-q', '-t', tag, folder]);
    const moved = await imageId(tag);
    expect(moved).not.toBe(pinned);

    const restart = await home.berth(['restart', 'tiny']);
    expect(restart.code).toBe(1);
    expect(restart.stderr).toContain(`image ${tag} now points to ${moved.slice(7, 19)}, not to ${pinned.slice(7, 19)} that server tiny was built or installed with (the tag was moved outside Berth), so Berth does not run it`);
    // The old container goes on serving what was pinned.
    expect(await origin()).toBe('built from v3');
    expect((await running()).id).toBe(id);

    // A daemon restart keeps the pin (state, not the spec file), and a stop + start is refused as well.
    expect(await home.readSpecs()).not.toContain('sha256');
    await home.killDaemon();
    await home.ok(['stop', 'tiny']);
    const start = await home.berth(['start', 'tiny']);
    expect(start.code).toBe(1);
    expect(start.stderr).toContain('(the tag was moved outside Berth), so Berth does not run it; `berth build tiny --force` builds or pulls it again');
    const s = await home.server('tiny');
    expect(s.phase).toBe('error');
    for (const c of await home.containers()) expect(await containerImage(c.id)).not.toBe(moved);

    // Building through Berth is the legitimate way to move it: pinned again, and it runs.
    await writeFile(path.join(folder, 'Dockerfile'), dockerfile('v4'));
    await home.ok(['build', 'tiny', '--force']);
    await home.ok(['start', 'tiny']);
    expect(await origin()).toBe('built from v4');
  });

  it('refuses a moved tag of an image Berth did not build (pulled or loaded)', async () => {
    const tag = `berth-pins-test/loaded:${path.basename(folder).toLowerCase()}`;
    tags.add(tag);
    await run('docker', ['tag', FIXTURE_IMAGE, tag]);
    await home.ok(['add', 'loaded', '--image', tag, '--arg', '/app/tools.js']);
    await home.ok(['start', 'loaded']);
    await home.ok(['stop', 'loaded']);
    await run('docker', ['tag', (await running()).tag, tag]);
    const r = await home.berth(['start', 'loaded']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`image ${tag} now points to`);
    await waitFor('loaded to be in error', async () => (await home.server('loaded')).phase === 'error');
    const pins = JSON.parse(await readFile(path.join(home.paths.stateDir, 'image-pins.json'), 'utf8')) as Record<string, { image: string }>;
    expect(pins.loaded?.image).toBe(tag);
  });
});
