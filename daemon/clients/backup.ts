import { constants } from 'node:fs';
import { chmod, copyFile, rename, stat } from 'node:fs/promises';
import { realTarget } from '../atomicFile.js';

/*
 * A client file Berth changes may hold tokens (an import moves them out), so its backups are the
 * user's alone (0600), and each is dated and never overwritten: the first one holds the original.
 */

/** `file.berth-backup-20261207T041014Z`, with `-2`, `-3`… when that name is taken. */
function backupName(target: string, attempt: number): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${target}.berth-backup-${stamp}${attempt ? `-${attempt + 1}` : ''}`;
}

const MAX_ATTEMPTS = 100;

/** Runs `place` on fresh backup names until one is free (it must fail with EEXIST on a taken one). */
async function toFreshName(target: string, place: (backup: string) => Promise<void>): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const backup = backupName(target, attempt);
    try {
      await place(backup);
      return backup;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= MAX_ATTEMPTS) throw e;
    }
  }
}

/** Copies a client file aside before Berth changes it; returns the copy, or nothing when there was no file. */
export async function backUp(file: string): Promise<string | undefined> {
  const target = realTarget(file);
  if (!(await stat(target).catch(() => undefined))) return undefined;
  return toFreshName(target, async (backup) => {
    await copyFile(target, backup, constants.COPYFILE_EXCL);
    await chmod(backup, 0o600);
  });
}

/** Removes a file Berth created, keeping what it held as the backup. */
export async function removeWithBackup(file: string): Promise<string> {
  const target = realTarget(file);
  return toFreshName(target, async (backup) => {
    // rename would replace a file of that name; the check and the rename are both Berth's own, in its one queue.
    if (await stat(backup).catch(() => undefined)) throw Object.assign(new Error(`${backup} exists`), { code: 'EEXIST' });
    await chmod(target, 0o600);
    await rename(target, backup);
  });
}
