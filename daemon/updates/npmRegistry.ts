import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { z } from 'zod';
import { validateNpmSpec } from '../images/npmImage.js';

const NpmView = z.object({ versions: z.union([z.array(z.string()), z.string()]), 'dist-tags': z.record(z.string(), z.string()).default({}) });

/**
 * A package's published versions and dist-tags, asked of the npm registry the daemon's npm is
 * configured for (`npm view`, no shell), so a private registry or scope set in .npmrc is honoured.
 */
export async function npmVersions(npmPackage: string): Promise<{ versions: string[]; distTags: Record<string, string> }> {
  validateNpmSpec(npmPackage);
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)('npm', ['view', npmPackage, 'versions', 'dist-tags', '--json'], { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }));
  } catch (e) {
    const text = `${(e as { stdout?: string }).stdout ?? ''}${(e as { stderr?: string }).stderr ?? ''}`;
    if (/E404/.test(text)) throw new Error(`npm has no package ${npmPackage}`);
    if (/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT/.test(text)) throw new Error(`cannot reach the npm registry to look up ${npmPackage}`);
    throw new Error(`npm view ${npmPackage} failed: ${(e as Error).message.split('\n')[0] ?? ''}`);
  }
  const parsed = NpmView.safeParse(JSON.parse(stdout));
  if (!parsed.success) throw new Error(`npm view ${npmPackage} answered something that is not a version list`);
  const { versions } = parsed.data;
  return { versions: typeof versions === 'string' ? [versions] : versions, distTags: parsed.data['dist-tags'] };
}
