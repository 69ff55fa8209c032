/** Open sessions one client may hold (a session costs about 45 KB until it is closed or swept). */
export const MAX_SESSIONS_PER_CLIENT = 64;
/** Open sessions the gateway holds in all, whatever clients claim to be. */
export const MAX_SESSIONS = 256;
/**
 * At a cap, the least recently used session that has been quiet this long (and has no call in
 * flight) is taken to be one its client forgot to close, and makes room for the new one; so a
 * client that never sends DELETE still never meets the cap.
 */
export const RECLAIM_IDLE_MS = 60_000;

export interface SessionUse {
  id: string;
  /**
   * The name the client declared in `initialize` (`clientInfo.name`). Every client holds the same
   * bearer token and reaches a loopback port, so nothing on the connection tells two programs
   * apart; the declared name does for every honest client, and the overall cap bounds one that
   * varies its name.
   */
  client: string;
  lastSeen: number;
  busy: boolean;
}

export type Admission = { admit: true; reclaim?: string } | { admit: false; retryAfterSeconds: number; message: string };

/** Whether a new session for `client` fits under the caps, perhaps by reclaiming a forgotten one. */
export function admit(sessions: readonly SessionUse[], client: string, now: number): Admission {
  const mine = sessions.filter((s) => s.client === client);
  const full = mine.length >= MAX_SESSIONS_PER_CLIENT ? mine : sessions.length >= MAX_SESSIONS ? sessions : undefined;
  if (!full) return { admit: true };
  const quiet = full.filter((s) => !s.busy).sort((a, b) => a.lastSeen - b.lastSeen)[0];
  if (quiet && now - quiet.lastSeen >= RECLAIM_IDLE_MS) return { admit: true, reclaim: quiet.id };
  const retryAfterSeconds = Math.max(1, Math.ceil((quiet ? RECLAIM_IDLE_MS - (now - quiet.lastSeen) : RECLAIM_IDLE_MS) / 1000));
  const holder = full === mine ? `client "${client}" has ${mine.length} open sessions, the most one client may hold` : `the gateway has ${sessions.length} open sessions, the most it holds`;
  return {
    admit: false,
    retryAfterSeconds,
    message: `${holder}; close the sessions you no longer use (HTTP DELETE with their Mcp-Session-Id) or retry in ${retryAfterSeconds} s`,
  };
}
