import { ProtocolError, type InputRequest } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import type { Asker, AskMethod } from '../../daemon/mcp/callContext.js';
import { InFlightCalls } from '../../daemon/servers/askRouting.js';
import { callTimeouts } from '../../daemon/servers/callTimeouts.js';
import { completeInputRounds, MAX_INPUT_ROUNDS, type InputRound } from '../../daemon/servers/inputRounds.js';
import { Health } from '../../daemon/protocol/spec.js';

const asker = (...methods: AskMethod[]): Asker => ({ methods, ask: () => Promise.resolve({}) });

describe('InFlightCalls: which waiting caller answers a server request', () => {
  it('picks the only caller that can answer, past callers that cannot', async () => {
    const calls = new InFlightCalls();
    const able = asker('sampling/createMessage');
    await calls.enter(undefined);
    await calls.enter(asker('elicitation/create'));
    await calls.enter(able);
    expect(calls.pick('sampling/createMessage', 'ev')).toBe(able);
  });

  it('refuses with MethodNotFound when nobody waiting can answer, and once the call has ended', async () => {
    const calls = new InFlightCalls();
    expect(() => calls.pick('elicitation/create', 'ev')).toThrow(/^no client that can answer elicitation is waiting on server ev/);
    const leave = await calls.enter(asker('elicitation/create'));
    expect(calls.pick('elicitation/create', 'ev').methods).toEqual(['elicitation/create']);
    leave();
    try {
      calls.pick('elicitation/create', 'ev');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ProtocolError);
      expect((e as ProtocolError).code).toBe(-32601);
    }
  });

  it('refuses to guess between several callers that could answer, before the server has ever asked', async () => {
    const calls = new InFlightCalls();
    await calls.enter(asker('sampling/createMessage'));
    await calls.enter(asker('sampling/createMessage', 'elicitation/create'));
    expect(() => calls.pick('sampling/createMessage', 'ev')).toThrow(/^2 clients that can answer sampling are waiting on server ev and Berth cannot tell which one/);
    expect(() => calls.pick('elicitation/create', 'ev')).not.toThrow();
  });

  it('counts the same client twice when it has two calls in flight: its calls are still two askers', async () => {
    const calls = new InFlightCalls();
    const same = asker('sampling/createMessage');
    await calls.enter(same);
    await calls.enter(same);
    expect(() => calls.pick('sampling/createMessage', 'ev')).toThrow(/cannot tell/);
  });

  /** Enters a call and tells whether it has started yet. */
  function entering(calls: InFlightCalls, who: Asker | undefined, signal?: AbortSignal, inBand = false) {
    const state = { started: false, leave: undefined as (() => void) | undefined, error: undefined as Error | undefined };
    const done = calls.enter(who, signal, inBand).then(
      (leave) => Object.assign(state, { started: true, leave }),
      (e: Error) => Object.assign(state, { error: e }),
    );
    return Object.assign(state, { done });
  }
  const settled = () => new Promise((r) => setImmediate(r));

  it('once the server has asked, callers that can answer it take turns, so each question has one candidate', async () => {
    const calls = new InFlightCalls();
    const first = await calls.enter(asker('sampling/createMessage'));
    calls.pick('sampling/createMessage', 'ev');
    first();
    const a = asker('sampling/createMessage');
    const b = asker('sampling/createMessage', 'elicitation/create');
    const inA = entering(calls, a);
    const inB = entering(calls, b);
    // Callers that cannot answer sampling are never held.
    const plain = entering(calls, undefined);
    const eliciting = entering(calls, asker('elicitation/create'));
    await settled();
    expect([inA.started, inB.started, plain.started, eliciting.started]).toEqual([true, false, true, true]);
    expect(calls.pick('sampling/createMessage', 'ev')).toBe(a);
    inA.leave!();
    await inB.done;
    expect(inB.started).toBe(true);
    expect(calls.pick('sampling/createMessage', 'ev')).toBe(b);
  });

  it('holds nobody on a 2026-07-28 session, where questions come inside the call', async () => {
    const calls = new InFlightCalls();
    const learn = await calls.enter(asker('sampling/createMessage'));
    calls.pick('sampling/createMessage', 'ev');
    learn();
    const one = entering(calls, asker('sampling/createMessage'), undefined, true);
    const two = entering(calls, asker('sampling/createMessage'), undefined, true);
    await settled();
    expect([one.started, two.started]).toEqual([true, true]);
  });

  it('a caller that cancels while waiting for its turn leaves the queue with its reason, and the next one runs', async () => {
    const calls = new InFlightCalls();
    const learn = await calls.enter(asker('elicitation/create'));
    calls.pick('elicitation/create', 'ev');
    learn();
    const first = await calls.enter(asker('elicitation/create'));
    const stop = new AbortController();
    const cancelled = entering(calls, asker('elicitation/create'), stop.signal);
    const after = entering(calls, asker('elicitation/create'));
    stop.abort('the user pressed stop');
    await cancelled.done;
    expect(cancelled.error?.message).toMatch(/cancelled while it waited for its turn \(the user pressed stop\)/);
    first();
    await after.done;
    expect(after.started).toBe(true);
  });
});

describe('completeInputRounds: a 2026-07-28 multi round-trip call as one call', () => {
  const elicit: InputRequest = { method: 'elicitation/create', params: { mode: 'form', message: 'name?', requestedSchema: { type: 'object', properties: {} } } };

  it('answers each round and sends the answers back with the server state', async () => {
    const sent: InputRound[] = [];
    const result = await completeInputRounds<{ done: boolean }>(
      (round) => {
        sent.push(round);
        return Promise.resolve(sent.length < 3 ? { resultType: 'input_required', inputRequests: { q: elicit }, requestState: `s${sent.length}` } : { done: true });
      },
      () => Promise.resolve({ action: 'accept', content: { n: 'x' } }),
      'ev',
    );
    expect(result).toEqual({ done: true });
    expect(sent).toEqual([
      {},
      { inputResponses: { q: { action: 'accept', content: { n: 'x' } } }, requestState: 's1' },
      { inputResponses: { q: { action: 'accept', content: { n: 'x' } } }, requestState: 's2' },
    ]);
  });

  it("asks all of a round's questions at once, each under the server's name for it", async () => {
    const asked: string[] = [];
    let open = 0;
    let most = 0;
    const result = await completeInputRounds<{ done: boolean }>(
      (round) =>
        Promise.resolve(
          round.inputResponses ? { done: true } : { resultType: 'input_required', inputRequests: { user_name: elicit, llm: { method: 'sampling/createMessage', params: { messages: [], maxTokens: 1 } } } },
        ),
      async (request, key) => {
        asked.push(`${key}:${request.method}`);
        most = Math.max(most, ++open);
        await new Promise((r) => setImmediate(r));
        open--;
        return { action: 'accept' } as never;
      },
      'ev',
    );
    expect(result).toEqual({ done: true });
    expect(asked).toEqual(['user_name:elicitation/create', 'llm:sampling/createMessage']);
    expect(most).toBe(2);
  });

  it('gives up on a server that never stops asking', async () => {
    let sends = 0;
    const forever = completeInputRounds(
      () => {
        sends++;
        return Promise.resolve({ resultType: 'input_required', requestState: 'again' });
      },
      () => Promise.resolve({ roots: [] }),
      'ev',
    );
    await expect(forever).rejects.toThrow(`server ev still asked for more input after ${MAX_INPUT_ROUNDS} rounds`);
    expect(sends).toBe(MAX_INPUT_ROUNDS + 1);
  });
});

describe('callTimeouts', () => {
  it("uses the tool's own timeout, else the server's, with the total never below either", () => {
    const health = Health.parse({ callTimeoutSeconds: 30, toolTimeoutSeconds: { build: 7200 }, callMaxSeconds: 600 });
    expect(callTimeouts(health, 'build')).toEqual({ timeout: 7_200_000, maxTotalTimeout: 7_200_000 });
    expect(callTimeouts(health, 'echo')).toEqual({ timeout: 30_000, maxTotalTimeout: 600_000 });
    expect(callTimeouts(health)).toEqual({ timeout: 30_000, maxTotalTimeout: 600_000 });
  });
});
