import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { berthPaths } from '../protocol/paths.js';

/**
 * Bills of materials of the images Berth builds from npm: CycloneDX JSON from `npm sbom`, made
 * from the build context's lock file. Kept in the daemon's state folder (`sboms/`), named by the
 * hash of their content, and the image carries that name in its `berth.sbom` label: the image
 * says which SBOM is its own, and the daemon reads it without starting a container.
 */
export const SBOM_LABEL = 'berth.sbom';

function sbomDir(): string {
  return path.join(berthPaths().stateDir, 'sboms');
}

/** Runs `npm sbom` in an installed build context and stores its answer; gives the label's value. */
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
  const id = `sha256-${createHash('sha256').update(text).digest('hex')}`;
  await mkdir(sbomDir(), { recursive: true, mode: 0o700 });
  await writeFile(path.join(sbomDir(), `${id}.cdx.json`), text, { mode: 0o600 });
  return id;
}

const License = z.object({ license: z.object({ id: z.string().optional(), name: z.string().optional() }).optional(), expression: z.string().optional() });
const Component = z.object({ name: z.string(), version: z.string().default(''), group: z.string().optional(), licenses: z.array(License).default([]) });
const Bom = z.object({ bomFormat: z.literal('CycloneDX'), components: z.array(Component).default([]) });

export interface SbomPackage {
  name: string;
  version: string;
  licenses: string[];
}

/** The packages of a stored SBOM, by its label value; undefined when the daemon has no such file. */
export async function readSbom(id: string): Promise<SbomPackage[] | undefined> {
  if (!/^sha256-[a-f0-9]{64}$/.test(id)) return undefined;
  const text = await readFile(path.join(sbomDir(), `${id}.cdx.json`), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const parsed = Bom.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`the SBOM ${id} is not CycloneDX JSON Berth can read`);
  return parsed.data.components.map((c) => ({
    name: c.group ? `${c.group}/${c.name}` : c.name,
    version: c.version,
    licenses: c.licenses.map((l) => l.expression ?? l.license?.id ?? l.license?.name ?? '').filter(Boolean),
  }));
}
