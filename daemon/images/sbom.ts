import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { ContainerRuntime } from '../hosts/runtime.js';

/**
 * Bills of materials of the images Berth builds from npm: CycloneDX JSON from `npm sbom`, made
 * from the build context's lock file, and copied into the image with the app. The image's
 * `berth.sbom` label names the file's path in it. Inside the image, it goes wherever the image
 * goes (another Berth home on the same engine, an SSH host), and the daemon reads it without
 * starting the server (ContainerRuntime.readImageFile).
 */
export const SBOM_LABEL = 'berth.sbom';
/** Where it sits in the build context's `app` folder, and so under /app in the image. */
const SBOM_FILE = 'berth-sbom.cdx.json';

/** Runs `npm sbom` in an installed build context (`app`) and writes the file; gives its path in the image. */
export async function recordSbom(app: string): Promise<string> {
  const text = await new Promise<string>((resolve, reject) => {
    const child = spawn('npm', ['sbom', '--sbom-format', 'cyclonedx', '--omit=dev'], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.once('error', (e) => reject(new Error(`cannot run npm sbom: ${e.message}`)));
    child.once('close', (code) => {
      const lines = Buffer.concat(err).toString().split('\n').filter((l) => l.startsWith('npm error') && !l.includes('complete log'));
      if (code === 0) resolve(Buffer.concat(out).toString());
      else reject(new Error(`npm sbom failed: ${lines.map((l) => l.replace(/^npm error\s*/, '')).join('; ') || `exit code ${code}`}`));
    });
  });
  await writeFile(join(app, SBOM_FILE), text);
  return `/app/${SBOM_FILE}`;
}

const License = z.object({ license: z.object({ id: z.string().optional(), name: z.string().optional() }).optional(), expression: z.string().optional() });
const Component = z.object({ name: z.string(), version: z.string().default(''), group: z.string().optional(), licenses: z.array(License).default([]) });
const Bom = z.object({ bomFormat: z.literal('CycloneDX'), components: z.array(Component).default([]) });

export interface SbomPackage {
  name: string;
  version: string;
  licenses: string[];
}

/** The packages of the SBOM an image carries at `file` (its label's value); undefined when it has none there. */
export async function readSbom(rt: Pick<ContainerRuntime, 'readImageFile'>, image: string, file: string): Promise<SbomPackage[] | undefined> {
  if (!/^\/[A-Za-z0-9._\/-]+$/.test(file)) return undefined;
  const bytes = await rt.readImageFile(image, file);
  if (!bytes) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new Error(`the SBOM at ${file} in ${image} is not JSON`);
  }
  const parsed = Bom.safeParse(json);
  if (!parsed.success) throw new Error(`the SBOM at ${file} in ${image} is not CycloneDX JSON Berth can read`);
  return parsed.data.components.map((c) => ({
    name: c.group ? `${c.group}/${c.name}` : c.name,
    version: c.version,
    licenses: c.licenses.map((l) => l.expression ?? l.license?.id ?? l.license?.name ?? '').filter(Boolean),
  }));
}
