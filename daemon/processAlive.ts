import { readFileSync } from 'node:fs';

/**
 * Whether a process still runs. A zombie counts as gone: a daemon's parent is often long gone
 * and, where PID 1 does not reap (some containers), the exited daemon lingers as one.
 */
export function isProcessAlive(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    // No /proc (macOS), or no such process: ask the kernel.
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}
