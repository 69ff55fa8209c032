import { describe, expect, it } from 'vitest';
import { admit, MAX_SESSIONS, MAX_SESSIONS_PER_CLIENT, RECLAIM_IDLE_MS, type SessionUse } from '../../daemon/gateway/sessionCaps.js';

const NOW = 10_000_000;
const sessions = (n: number, client: (i: number) => string, lastSeen: (i: number) => number, busy = false): SessionUse[] =>
  Array.from({ length: n }, (_, i) => ({ id: `s${i}`, client: client(i), lastSeen: lastSeen(i), busy }));

describe('gateway session caps', () => {
  it('admits under both caps', () => {
    expect(admit(sessions(MAX_SESSIONS_PER_CLIENT - 1, () => 'a', () => NOW), 'a', NOW)).toEqual({ admit: true });
  });

  it("at a client's cap, reclaims its least recently used quiet session, never another client's or a busy one", () => {
    const mine = sessions(MAX_SESSIONS_PER_CLIENT, () => 'a', (i) => NOW - RECLAIM_IDLE_MS - i);
    mine[MAX_SESSIONS_PER_CLIENT - 1]!.busy = true;
    const others = sessions(3, () => 'b', () => 0).map((s) => ({ ...s, id: `b${s.id}` }));
    expect(admit([...others, ...mine], 'a', NOW)).toEqual({ admit: true, reclaim: `s${MAX_SESSIONS_PER_CLIENT - 2}` });
  });

  it("at a client's cap with every session in use, refuses and says when one will be quiet long enough", () => {
    const mine = sessions(MAX_SESSIONS_PER_CLIENT, () => 'a', (i) => NOW - 20_000 + i);
    expect(admit(mine, 'a', NOW)).toEqual({
      admit: false,
      retryAfterSeconds: 40,
      message: `client "a" has ${MAX_SESSIONS_PER_CLIENT} open sessions, the most one client may hold; close the sessions you no longer use (HTTP DELETE with their Mcp-Session-Id) or retry in 40 s`,
    });
    expect(admit(sessions(MAX_SESSIONS_PER_CLIENT, () => 'a', () => 0, true), 'a', NOW)).toMatchObject({ admit: false, retryAfterSeconds: RECLAIM_IDLE_MS / 1000 });
    expect(admit(mine, 'b', NOW)).toEqual({ admit: true });
  });

  it('at the overall cap, a client that varies its name is refused too, and any quiet session makes room', () => {
    const busy = sessions(MAX_SESSIONS, (i) => `name-${i}`, () => NOW);
    expect(admit(busy, 'name-new', NOW)).toMatchObject({ admit: false, message: expect.stringMatching(new RegExp(`^the gateway has ${MAX_SESSIONS} open sessions, the most it holds; close`)) });
    busy[7]!.lastSeen = NOW - RECLAIM_IDLE_MS;
    expect(admit(busy, 'name-new', NOW)).toEqual({ admit: true, reclaim: 's7' });
  });
});
