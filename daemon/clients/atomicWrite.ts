import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, open, realpath, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';

/** The previous version of a client file Berth changed, kept beside it. */
const backupOf = (file: string): string => `${file}.berth-backup`;

/**
 * Replaces `file` with `text` so that a reader (the client, starting up) sees either the old file
 * or the new one, never half of one: write a temporary file beside it, flush it, rename it over.
 * A symlinked file (dotfiles kept in a repository) is written through, so the link stays a link.
 * Returns the backup of the previous file, when there was one.
 */
export async function writeAtomically(file: string, text: string, opts: { backup: boolean }): Promise<string | undefined> {
  const target = await realpath(file).catch(() => file);
  const previous = await stat(target).catch(() => undefined);
  await mkdir(path.dirname(target), { recursive: true });
  let backup: string | undefined;
  if (previous && opts.backup) {
    backup = backupOf(target);
    await copyFile(target, backup);
  }
  const tmp = `${target}.berth-tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  // A new file gets 0600: some of these files end up holding tokens.
  const handle = await open(tmp, 'wx', previous ? previous.mode & 0o777 : 0o600);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
    await handle.close();
    await rename(tmp, target);
  } catch (e) {
    await handle.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  return backup;
}

/** Removes a file Berth created, keeping what it held as the backup. */
export async function removeWithBackup(file: string): Promise<string> {
  const target = await realpath(file).catch(() => file);
  const backup = backupOf(target);
  await rename(target, backup);
  return backup;
}
