import { randomBytes } from 'node:crypto';
import { inputRequired, ProtocolError, ProtocolErrorCode, type InputRequiredResult } from '@modelcontextprotocol/server';
import type { Asker, AskMethod } from './callContext.js';

/**
 * How long a call waits for its client to come back with the answers it asked for (2026-07-28
 * clients answer by calling again). The SDK's own legacy shim gives a round ten minutes: a person
 * may be typing the answer.
 */
export const ANSWER_WAIT_MS = 10 * 60 * 1000;

/** A call in flight toward the server, and what it waits on from the client. */
interface Trip {
  token: string;
  /** What the retry must name again: the same method on the same tool, prompt or resource. */
  target: string;
  abort: AbortController;
  asks: Map<string, { method: AskMethod; params: Record<string, unknown>; sent: boolean; resolve(r: Record<string, unknown>): void; reject(e: Error): void }>;
  outcome?: { ok: true; value: Record<string, unknown> } | { ok: false; error: unknown };
  /** Wakes the round waiting on this trip (an ask or the outcome arrived). */
  wake?: () => void;
  /** Where the call's progress goes: the current round's request, or nowhere between rounds. */
  progress?: (p: Record<string, unknown>) => void;
  timer?: NodeJS.Timeout;
  seq: number;
}

export interface Round {
  /** The call's target (`tools/call:echo`), which a retry must repeat. */
  target: string;
  /** The retry's `requestState` and `inputResponses`, when it is one. */
  state: unknown;
  responses: Record<string, unknown> | undefined;
  signal: AbortSignal;
  onprogress?: (p: Record<string, unknown>) => void;
  /** What the client declared it can answer. */
  methods: readonly AskMethod[];
}

/**
 * The multi round-trip calls of 2026-07-28 clients, which have no way for a server to ask them
 * anything mid-call: a server's question (sampling, elicitation) ends the client's request with an
 * `input_required` result whose `requestState` names the call, which runs on toward the server;
 * the client's retry delivers its answers to the question and waits for what comes next (the
 * result, or another question). The state is a random token that only names an entry here, so
 * nothing in it can be forged or decoded; an entry nobody comes back for is cancelled.
 */
export class RoundTrips {
  private readonly trips = new Map<string, Trip>();

  constructor(private readonly answerWaitMs = ANSWER_WAIT_MS) {}

  get size(): number {
    return this.trips.size;
  }

  /** The proxy is going away: every call waiting on its client is cancelled. */
  close(): void {
    for (const trip of [...this.trips.values()]) this.drop(trip, new Error('Berth closed the connection'));
  }

  /** Serves one round: starts the call (or resumes the one the retry names) and gives its result, or the questions it now waits on. */
  async round(round: Round, start: (signal: AbortSignal, asker: Asker | undefined, onprogress: (p: Record<string, unknown>) => void) => Promise<Record<string, unknown>>): Promise<Record<string, unknown> | InputRequiredResult> {
    const trip = round.state === undefined ? this.begin(round) : this.resume(round);
    clearTimeout(trip.timer);
    trip.progress = round.onprogress;
    if (round.state === undefined) this.start(trip, round, start);
    try {
      await this.next(trip, round.signal);
    } finally {
      trip.progress = undefined;
    }
    if (trip.outcome) {
      this.trips.delete(trip.token);
      if (trip.outcome.ok) return trip.outcome.value;
      throw trip.outcome.error;
    }
    const inputRequests: Record<string, { method: AskMethod; params: Record<string, unknown> }> = {};
    for (const [key, ask] of trip.asks) {
      if (ask.sent) continue;
      ask.sent = true;
      inputRequests[key] = { method: ask.method, params: ask.params };
    }
    // Each round names the call afresh: a state is good for one retry, and a replayed one finds nothing.
    if (round.state !== undefined) this.rename(trip);
    trip.timer = setTimeout(() => this.drop(trip, new Error('the client did not come back with its answer in time')), this.answerWaitMs);
    trip.timer.unref();
    return inputRequired({ inputRequests, requestState: trip.token } as Parameters<typeof inputRequired>[0]);
  }

  private begin(round: Round): Trip {
    const trip: Trip = { token: newToken(), target: round.target, abort: new AbortController(), asks: new Map(), seq: 0 };
    this.trips.set(trip.token, trip);
    return trip;
  }

  private rename(trip: Trip): void {
    this.trips.delete(trip.token);
    trip.token = newToken();
    this.trips.set(trip.token, trip);
  }

  private start(trip: Trip, round: Round, start: Parameters<RoundTrips['round']>[1]): void {
    const asker: Asker | undefined = round.methods.length
      ? {
          methods: round.methods,
          ask: (method, params, signal, name) =>
            new Promise((resolve, reject) => {
              if (!round.methods.includes(method)) return reject(new Error(`the client did not declare that it answers ${method}`));
              // The server's own name for the question, unless another open one has it.
              const key = name !== undefined && !trip.asks.has(name) ? name : `q${++trip.seq}`;
              const gone = () => {
                trip.asks.delete(key);
                reject(signal.reason instanceof Error ? signal.reason : new Error('the request was cancelled'));
              };
              if (signal.aborted) return gone();
              signal.addEventListener('abort', gone, { once: true });
              const settle = <T>(f: (v: T) => void) => (v: T) => {
                signal.removeEventListener('abort', gone);
                trip.asks.delete(key);
                f(v);
              };
              trip.asks.set(key, { method, params, sent: false, resolve: settle(resolve), reject: settle(reject) });
              trip.wake?.();
            }),
        }
      : undefined;
    start(trip.abort.signal, asker, (p) => trip.progress?.(p)).then(
      (value) => this.settle(trip, { ok: true, value }),
      (error: unknown) => this.settle(trip, { ok: false, error }),
    );
  }

  private resume(round: Round): Trip {
    const trip = typeof round.state === 'string' ? this.trips.get(round.state) : undefined;
    if (!trip || trip.target !== round.target) {
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'Invalid or expired requestState: it names no call waiting on this client; make the call again without it');
    }
    for (const [key, ask] of trip.asks) {
      if (!ask.sent) continue;
      const answer = round.responses?.[key];
      if (answer !== null && typeof answer === 'object') ask.resolve(answer as Record<string, unknown>);
      // A question the retry left unanswered is asked again.
      else ask.sent = false;
    }
    return trip;
  }

  /** Waits until the trip has an outcome or a question not yet put to the client; the client giving up cancels the call. */
  private next(trip: Trip, signal: AbortSignal): Promise<void> {
    const ready = () => trip.outcome !== undefined || [...trip.asks.values()].some((a) => !a.sent);
    if (ready()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const cancelled = () => {
        trip.wake = undefined;
        this.drop(trip, signal.reason instanceof Error ? signal.reason : new Error('the client cancelled the call'));
        reject(new ProtocolError(ProtocolErrorCode.InternalError, 'the call was cancelled'));
      };
      if (signal.aborted) return cancelled();
      signal.addEventListener('abort', cancelled, { once: true });
      trip.wake = () => {
        if (!ready()) return;
        trip.wake = undefined;
        signal.removeEventListener('abort', cancelled);
        resolve();
      };
    });
  }

  private settle(trip: Trip, outcome: NonNullable<Trip['outcome']>): void {
    if (!this.trips.has(trip.token)) return;
    trip.outcome = outcome;
    trip.wake?.();
  }

  /** Gives up on a call: the server's questions fail, the call toward it is cancelled. */
  private drop(trip: Trip, reason: Error): void {
    clearTimeout(trip.timer);
    this.trips.delete(trip.token);
    for (const ask of trip.asks.values()) ask.reject(reason);
    trip.abort.abort(reason);
  }
}

function newToken(): string {
  return randomBytes(32).toString('base64url');
}
