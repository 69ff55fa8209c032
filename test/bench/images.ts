/**
 * The images the bench runs, built offline the way test/globalSetup.ts builds the fixtures: the
 * catalog's `everything`, and the bench server (test/bench/fixture) bundled with SDK v2 onto
 * Berth's Node base image, tagged by its content so an edited fixture is never stale.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { build } from 'esbuild';
import { pack } from 'tar-fs';
import { DockerRuntime } from '../../daemon/hosts/dockerRuntime.js';
import { ensureBaseImage } from '../../daemon/images/baseImage.js';
import { ensureImage } from '../../daemon/images/ensureImage.js';
import { findCatalogEntry } from '../../daemon/servers/catalog.js';

const FIXTURE = path.join('test', 'bench', 'fixture', 'server.ts');

export interface BenchImages {
  /** The catalog's reference server (SDK v1: 2025 revisions only). */
  everything: string;
  /** The bench server (SDK v2: both eras), with `echo` and `blob`. */
  bench: string;
}

export async function ensureBenchImages(): Promise<BenchImages> {
  const rt = new DockerRuntime();
  const log = (line: string) => process.stderr.write(`[images] ${line}\n`);
  const entry = findCatalogEntry('everything')!;
  await ensureImage(rt, entry.spec, log);

  const hash = createHash('sha256').update(await readFile(FIXTURE)).update(await readFile('package-lock.json')).digest('hex').slice(0, 12);
  const bench = `berth-bench/server:${hash}`;
  if (!(await rt.imageExists(bench))) {
    const base = await ensureBaseImage(rt, log);
    const ctx = await mkdtemp(path.join(os.tmpdir(), 'berth-bench-image-'));
    try {
      await build({ entryPoints: { bench: FIXTURE }, outdir: ctx, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'warning' });
      await writeFile(path.join(ctx, 'Dockerfile'), `FROM ${base}\nCOPY bench.js /app/bench.js\nUSER 10001:10001\nENTRYPOINT ["node", "/app/bench.js"]\n`);
      await rt.build(Readable.from(pack(ctx) as AsyncIterable<Buffer>), bench, log);
    } finally {
      await rm(ctx, { recursive: true, force: true });
    }
  }
  return { everything: entry.spec.image, bench };
}
