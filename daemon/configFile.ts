import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { describeIssue } from './protocol/issue.js';

/**
 * Reads one of the user's JSON configuration files (hosts, catalogs): undefined when there is none
 * yet; one that cannot be read or is wrong is refused with a sentence that names the file and
 * what to fix, never taken as empty (that would lose what it lists at the next write).
 */
export async function readConfigFile<T>(file: string, schema: z.ZodType<T>): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`${file} cannot be read: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file} is not valid JSON (${(e as Error).message}); fix or remove it`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new Error(`${file}: ${describeIssue(parsed.error)}; fix or remove it`);
  return parsed.data;
}
