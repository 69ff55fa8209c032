import { ProtocolError } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import type { Asker } from '../../daemon/mcp/callContext.js';
import { RoundTrips, type Round } from '../../daemon/mcp/roundTrips.js';

type Answer = Record<string, unknown>;
const ELICIT = { message: 'name?', requestedSchema: { type: 'object', properties: { n: { type: 'string' } } } };

/** A round of `tools/call:ask` by a client that answers elicitation. */
const round = (extra: Partial<Round> = {}): Round => ({ target: 'tools/call:ask', state: undefined, responses: undefined, signal: new AbortController().signal, methods: ['elicitation/create'], ...extra });

/** A call toward the server that asks its client once and answers with what it heard. */
function asking(seen: { signal?: AbortSignal; error?: Error } = {}) {
  return async (signal: AbortSignal, asker: Asker | undefined): Promise<Answer> => {
    seen.signal = signal;
    if (!asker) return { content: [{ type: 'text', text: 'no asker' }] };
    try {
      const answer = await asker.ask('elicitation/create', ELICIT, signal);
      return { content: [{ type: 'text', text: `heard ${JSON.stringify(answer)}` }] };
    } catch (e) {
      seen.error = e as Error;
      throw e;
    }
  };
}

describe('round trips of 2026-07-28 calls', () => {
  it("turns the server's question into input_required, and the retry's answer into the call's result", async () => {
    const trips = new RoundTrips();
    const first = (await trips.round(round(), asking())) as { resultType: string; inputRequests: Record<string, { method: string; params: unknown }>; requestState: string };
    expect(first.resultType).toBe('input_required');
    const [key, ask] = Object.entries(first.inputRequests)[0]!;
    expect(ask).toEqual({ method: 'elicitation/create', params: ELICIT });
    expect(first.requestState).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const done = await trips.round(round({ state: first.requestState, responses: { [key]: { action: 'accept', content: { n: 'dave' } } } }), asking());
    expect(done).toEqual({ content: [{ type: 'text', text: 'heard {"action":"accept","content":{"n":"dave"}}' }] });
    expect(trips.size).toBe(0);
  });

  it('a client that declared nothing gets no asker: the call goes on without one', async () => {
    const trips = new RoundTrips();
    expect(await trips.round(round({ methods: [] }), asking())).toEqual({ content: [{ type: 'text', text: 'no asker' }] });
  });

  it('refuses a requestState it did not give, or one given for another call', async () => {
    const trips = new RoundTrips();
    await expect(trips.round(round({ state: 'made-up' }), asking())).rejects.toBeInstanceOf(ProtocolError);
    const first = (await trips.round(round(), asking())) as { requestState: string };
    await expect(trips.round(round({ target: 'tools/call:other', state: first.requestState }), asking())).rejects.toThrow(/Invalid or expired requestState/);
  });

  it('a retry without the answer is asked the same question again', async () => {
    const trips = new RoundTrips();
    type Asked = { inputRequests: Record<string, unknown>; requestState: string };
    const first = (await trips.round(round(), asking())) as Asked;
    const again = (await trips.round(round({ state: first.requestState, responses: { other: { action: 'accept' } } }), asking())) as Asked;
    expect(again.inputRequests).toEqual(first.inputRequests);
    // Each round's state is new, and the last one is spent.
    expect(again.requestState).not.toBe(first.requestState);
    await expect(trips.round(round({ state: first.requestState, responses: {} }), asking())).rejects.toThrow(/Invalid or expired requestState/);
    const [key] = Object.keys(again.inputRequests);
    expect(await trips.round(round({ state: again.requestState, responses: { [key!]: { action: 'decline' } } }), asking())).toEqual({ content: [{ type: 'text', text: 'heard {"action":"decline"}' }] });
  });

  it("keeps the server's own names for its questions, all put to the client at once", async () => {
    const trips = new RoundTrips();
    const first = (await trips.round(round({ methods: ['elicitation/create', 'sampling/createMessage'] }), async (signal, asker) => {
      const [name, llm] = await Promise.all([asker!.ask('elicitation/create', ELICIT, signal, 'user_name'), asker!.ask('sampling/createMessage', {}, signal, 'llm')]);
      return { name, llm };
    })) as { inputRequests: Record<string, { method: string }> };
    expect(Object.fromEntries(Object.entries(first.inputRequests).map(([k, v]) => [k, v.method]))).toEqual({ user_name: 'elicitation/create', llm: 'sampling/createMessage' });
  });

  it('a client that never comes back: the question fails and the call toward the server is cancelled', async () => {
    const trips = new RoundTrips(50);
    const seen: { signal?: AbortSignal; error?: Error } = {};
    await trips.round(round(), asking(seen));
    await expect.poll(() => seen.signal?.aborted, { timeout: 5000 }).toBe(true);
    expect(seen.error?.message).toMatch(/did not come back/);
    expect(trips.size).toBe(0);
  });

  it('a client that gives up mid-round cancels the call toward the server', async () => {
    const trips = new RoundTrips();
    const abort = new AbortController();
    let upstream: AbortSignal | undefined;
    const pending = trips.round(round({ signal: abort.signal }), (signal) => {
      upstream = signal;
      return new Promise<Answer>(() => undefined);
    });
    abort.abort(new Error('closed'));
    await expect(pending).rejects.toThrow(/cancelled/);
    expect(upstream?.aborted).toBe(true);
    expect(trips.size).toBe(0);
  });

  it("forwards the call's progress to the round being served", async () => {
    const trips = new RoundTrips();
    const got: unknown[] = [];
    const result = await trips.round(round({ onprogress: (p) => got.push(p) }), async (_signal, _asker, onprogress) => {
      onprogress({ progress: 1, total: 2 });
      return { content: [] };
    });
    expect(result).toEqual({ content: [] });
    expect(got).toEqual([{ progress: 1, total: 2 }]);
  });
});
