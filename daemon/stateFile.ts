import { copyFile, readFile } from 'node:fs/promises';
import type { z } from 'zod';

/**
 * Reads one of the daemon's small state files (desired state, workspaces, gateway port). A damaged
 * one must neither abort the daemon's start nor silently empty what it describes: it is kept
 * beside the original as `FILE.damaged` for the user, reported in one sentence, and the daemon
 * goes on from `fallback`.
 */
export async function readStateFile<T>(file: string, schema: z.ZodType<T>, fallback: T, report: (sentence: string) => void): Promise<T> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return fallback;
    report(`${file} cannot be read (${(e as Error).message}); Berth goes on without it`);
    return fallback;
  }
  let reason: string;
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data;
    reason = parsed.error.issues[0]?.message ?? 'unexpected content';
  } catch (e) {
    reason = (e as Error).message;
  }
  const kept = `${file}.damaged`;
  const copied = await copyFile(file, kept).then(
    () => true,
    () => false,
  );
  report(`${file} was damaged (${reason}); ${copied ? `kept it as ${kept} and ` : ''}started it afresh`);
  return fallback;
}
