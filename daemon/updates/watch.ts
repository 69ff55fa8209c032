import type { ServerSupervisor } from '../servers/supervisor.js';

const FAILED = new Set(['exited', 'error', 'oom-killed', 'unhealthy']);

/**
 * Watches a freshly swapped server for `seconds`: gives why it failed (a crash, failed health
 * checks, a restart) or undefined when it stayed healthy throughout. Says how long is left now and then.
 */
export async function watchHealth(sup: ServerSupervisor, seconds: number, progress: (line: string) => void): Promise<string | undefined> {
  const restarts = sup.restartCount;
  const end = Date.now() + seconds * 1000;
  let said = 0;
  progress(`watching ${sup.name}'s health for ${seconds} s`);
  while (Date.now() < end) {
    if (FAILED.has(sup.phase)) return `it went ${sup.phase}${sup.message ? ` (${sup.message})` : ''}`;
    if (sup.restartCount > restarts) return `it was restarted${sup.message ? ` (${sup.message})` : ''}`;
    if (Date.now() - said >= 10_000) {
      said = Date.now();
      progress(`${sup.name} is ${sup.phase}; ${Math.ceil((end - Date.now()) / 1000)} s of watching left`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return undefined;
}
