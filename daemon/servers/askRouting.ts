import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/client';
import type { Asker, AskMethod } from '../mcp/callContext.js';

const WHAT: Record<AskMethod, string> = { 'sampling/createMessage': 'sampling', 'elicitation/create': 'elicitation' };

interface Waiting {
  go(): void;
}

/**
 * The calls in flight on one shared server session, each with its caller's way back. A 2025-era
 * server's own requests (sampling, elicitation) name no call they belong to, so one goes to the
 * only waiting caller that can answer it. Once the server has asked something, the calls of
 * clients that could answer that take turns (on a 2025-era session), so each later question has
 * exactly one candidate; calls from clients that cannot answer are never held. A question with
 * no candidate, or with several (before Berth learned that the server asks), gets a JSON-RPC
 * error at once instead of a misrouted or hung request.
 */
export class InFlightCalls {
  private readonly calls = new Set<{ asker: Asker | undefined }>();
  /** What the server has asked so far: the callers who can answer one of these take turns. */
  private readonly asked = new Set<AskMethod>();
  /** A turn-taking call is running. */
  private busy = false;
  private readonly queue: Waiting[] = [];

  /**
   * A call starts, once it is its turn; gives what ends it. `inBand`: the session speaks
   * 2026-07-28, where questions come back inside the call's own result, so nobody waits.
   * A caller that cancels while waiting leaves the queue, and this rejects with its reason.
   */
  async enter(asker: Asker | undefined, signal?: AbortSignal, inBand = false): Promise<() => void> {
    const turns = !inBand && !!asker?.methods.some((m) => this.asked.has(m));
    if (turns) await this.turn(signal ?? new AbortController().signal);
    const entry = { asker };
    this.calls.add(entry);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.calls.delete(entry);
      if (turns) this.next();
    };
  }

  /** The one caller that can answer `method`, or the error the server gets. */
  pick(method: AskMethod, server: string): Asker {
    this.asked.add(method);
    const able = [...this.calls].flatMap((c) => (c.asker?.methods.includes(method) ? [c.asker] : []));
    const [only] = able;
    if (only && able.length === 1) return only;
    if (!only) {
      throw new ProtocolError(ProtocolErrorCode.MethodNotFound, `no client that can answer ${WHAT[method]} is waiting on server ${server}: the call in progress came from a client that did not declare it`);
    }
    throw new ProtocolError(
      ProtocolErrorCode.InvalidRequest,
      `${able.length} clients that can answer ${WHAT[method]} are waiting on server ${server} and Berth cannot tell which one this request is for; from now on such calls take turns, so try again, or use a server that speaks MCP 2026-07-28`,
    );
  }

  private turn(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(cancellation(signal));
    if (!this.busy) {
      this.busy = true;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const cancelled = () => {
        this.queue.splice(this.queue.indexOf(waiting), 1);
        reject(cancellation(signal));
      };
      const waiting: Waiting = {
        go: () => {
          signal.removeEventListener('abort', cancelled);
          resolve();
        },
      };
      this.queue.push(waiting);
      signal.addEventListener('abort', cancelled, { once: true });
    });
  }

  /** A turn-taking call ended: the next waiting one runs. */
  private next(): void {
    const waiting = this.queue.shift();
    if (waiting) waiting.go();
    else this.busy = false;
  }
}

function cancellation(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error(`the call was cancelled while it waited for its turn${signal.reason ? ` (${String(signal.reason)})` : ''}`);
}
