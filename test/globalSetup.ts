import { mkdtemp, readdir, rm, writeFile, copyFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pack } from 'tar-fs';
import { DockerRuntime } from '../daemon/hosts/dockerRuntime.js';
import { ensureBaseImage } from '../daemon/images/baseImage.js';
import { ensureImage } from '../daemon/images/ensureImage.js';
import { findCatalogEntry } from '../daemon/servers/catalog.js';

import { bundleSdkFixtures, FIXTURE_IMAGE } from './support.js';
import { testEngine } from './testEngine.js';

/**
 * Builds, once per run and offline, the images the integration suites use: two catalog servers
 * from npm, and a fixture image of misbehaving servers and the SDK v2 conformance server
 * (test/fixtures/modern, bundled to /app/conformance.js). Existing images are reused.
 */
export default async function setup(): Promise<void> {
  const engine = await testEngine();
  process.stderr.write(`[engine] ${engine.host}, data root ${engine.dataRoot}\n`);
  const rt = new DockerRuntime();
  try {
    await rt.ping();
  } catch (e) {
    throw new Error(`integration tests need a Docker engine: ${(e as Error).message} (scripts/provision-docker.sh starts one)`);
  }
  const log = (line: string) => process.stderr.write(`[images] ${line}\n`);
  for (const id of ['everything', 'memory']) {
    const entry = findCatalogEntry(id);
    if (!entry) throw new Error(`catalog entry ${id} missing`);
    await ensureImage(rt, entry.spec, log);
  }
  // Rebuilt every run (cached layers make it about a second) so edited fixtures are never stale.
  {
    const base = await ensureBaseImage(rt, log);
    const ctx = await mkdtemp(path.join(os.tmpdir(), 'berth-fixtures-'));
    try {
      const src = path.resolve('test', 'fixtures', 'servers');
      for (const f of await readdir(src)) await copyFile(path.join(src, f), path.join(ctx, f));
      await bundleSdkFixtures(ctx);
      await writeFile(path.join(ctx, 'Dockerfile'), `FROM ${base}\nCOPY *.js /app/\nUSER 10001:10001\nENTRYPOINT ["node"]\n`);
      await rt.build(Readable.from(pack(ctx) as AsyncIterable<Buffer>), FIXTURE_IMAGE, log);
    } finally {
      await rm(ctx, { recursive: true, force: true });
    }
  }
}
