import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Writes one of Berth's own small files (state, spec, hosts, pins, secrets): readable by the user
 * only (0600, in a 0700 folder it creates), and atomic, so a crash leaves the old file or the new
 * one, never half of one.
 */
export function writePrivateFile(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, file);
}
