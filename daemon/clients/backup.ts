import { copyFile, rename, stat } from 'node:fs/promises';
import { realTarget } from '../atomicFile.js';

/** The previous version of a client file Berth changed, kept beside the real file (not beside a link to it). */
const backupOf = (target: string): string => `${target}.berth-backup`;

/** Copies a client file aside before Berth changes it; returns the copy, or nothing when there was no file. */
export async function backUp(file: string): Promise<string | undefined> {
  const target = realTarget(file);
  if (!(await stat(target).catch(() => undefined))) return undefined;
  const backup = backupOf(target);
  await copyFile(target, backup);
  return backup;
}

/** Removes a file Berth created, keeping what it held as the backup. */
export async function removeWithBackup(file: string): Promise<string> {
  const target = realTarget(file);
  const backup = backupOf(target);
  await rename(target, backup);
  return backup;
}
