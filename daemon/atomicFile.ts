import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, mkdirSync, openSync, readlinkSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Writes one of Berth's own files (state, hosts, pins, secrets, the gateway's token): readable by
 * the user only (0600, in a 0700 folder it creates), whatever mode it had before.
 */
export function writePrivateFile(file: string, text: string): void {
  writeAtomically(file, text, () => 0o600, 0o700);
}

/**
 * Writes a file that is the user's (a spec file, a client's config): it keeps the mode it has, and
 * a new one gets 0600 because client configs end up holding the gateway's token.
 */
export function writeUserFile(file: string, text: string): void {
  writeAtomically(file, text, (target) => statSync(target, { throwIfNoEntry: false })?.mode ?? 0o600);
}

/** Links followed before a write gives up on a loop of them. */
const MAX_LINKS = 40;

/**
 * The file a write lands in. A symlinked file (dotfiles kept in a repository) is written through,
 * so the link stays a link; a dangling link is followed too, so the first write creates its target.
 */
export function realTarget(file: string): string {
  let target = path.resolve(file);
  for (let hops = 0; hops < MAX_LINKS; hops++) {
    let link: string;
    try {
      link = readlinkSync(target);
    } catch {
      return target;
    }
    target = path.resolve(path.dirname(target), link);
  }
  throw new Error(`${file} is a loop of symbolic links; point it at a real file`);
}

/**
 * A reader sees the old file or the new one, never half of one, even across a crash: the text
 * goes to a temporary file beside the target (same folder, so the rename cannot cross file
 * systems), is flushed to disk, then renamed over the target.
 */
function writeAtomically(file: string, text: string, modeOf: (target: string) => number, folderMode?: number): void {
  try {
    writeThroughTemp(realTarget(file), text, modeOf, folderMode);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') throw new Error(`cannot write ${file}: the disk is full; free some space and try again`, { cause: e });
    throw e;
  }
}

function writeThroughTemp(target: string, text: string, modeOf: (target: string) => number, folderMode?: number): void {
  const mode = modeOf(target);
  mkdirSync(path.dirname(target), { recursive: true, ...(folderMode === undefined ? {} : { mode: folderMode }) });
  const tmp = `${target}.berth-tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    try {
      // Set after opening: the mode given to open passes through the umask.
      fchmodSync(fd, mode & 0o7777);
      writeFileSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
