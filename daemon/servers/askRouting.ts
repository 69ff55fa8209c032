import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/client';
import type { Asker, AskMethod } from '../mcp/callContext.js';

const WHAT: Record<AskMethod, string> = { 'sampling/createMessage': 'sampling', 'elicitation/create': 'elicitation' };

/**
 * The calls in flight on one shared server session, each with its caller's way back. A 2025-era
 * server's own requests (sampling, elicitation) name no call they belong to, so one goes to the
 * only waiting caller that can answer it; with none, or with several (Berth cannot tell which
 * one caused it), the server gets a JSON-RPC error at once instead of a misrouted or hung request.
 */
export class InFlightCalls {
  private readonly calls = new Set<{ asker: Asker | undefined }>();

  /** A call starts; gives what ends it. */
  enter(asker: Asker | undefined): () => void {
    const entry = { asker };
    this.calls.add(entry);
    return () => this.calls.delete(entry);
  }

  /** The one caller that can answer `method`, or the error the server gets. */
  pick(method: AskMethod, server: string): Asker {
    const able = [...this.calls].flatMap((c) => (c.asker?.methods.includes(method) ? [c.asker] : []));
    const [only] = able;
    if (only && able.length === 1) return only;
    if (!only) {
      throw new ProtocolError(ProtocolErrorCode.MethodNotFound, `no client that can answer ${WHAT[method]} is waiting on server ${server}: the call in progress came from a client that did not declare it`);
    }
    throw new ProtocolError(
      ProtocolErrorCode.InvalidRequest,
      `${able.length} clients that can answer ${WHAT[method]} are waiting on server ${server} and Berth cannot tell which one this request is for; call one at a time, or use a server that speaks MCP 2026-07-28`,
    );
  }
}
