import { writeSync } from 'node:fs';
import { printable } from './protocol/printable.js';

/**
 * A line in the daemon's log (its stderr). Written directly and never thrown: on a full disk a
 * failed write to a file-backed stderr would otherwise surface as an uncaught stream error. The
 * line may quote a server, Docker or SSH: it stays one line, with no raw control character.
 */
export function daemonLog(line: string): void {
  try {
    writeSync(2, `${new Date().toISOString()} ${printable(line)}\n`);
  } catch {
    // The daemon log is on the full disk too; the server's own log tells of the gap later.
  }
}
