import type { ClientCapabilities, LoggingLevel, Progress } from '@modelcontextprotocol/server';
import type { TraceParent } from './traceContext.js';

/** What a server may ask the client whose call it is serving (roots are answered by Berth itself, from the mounts). */
export type AskMethod = 'sampling/createMessage' | 'elicitation/create';

/** The calling client's way back: what it declared it can answer, and how to ask it. */
export interface Asker {
  methods: readonly AskMethod[];
  /**
   * Sends the server's request to this client and gives its answer (a JSON-RPC result), or throws
   * its error. `key`: the name a 2026-07-28 server gave the question, kept where the client is
   * asked the same way.
   */
  ask(method: AskMethod, params: Record<string, unknown>, signal: AbortSignal, key?: string): Promise<Record<string, unknown>>;
}

/** Per-call context a backend honours: the caller's cancellation, progress and way back. */
export interface CallContext {
  signal: AbortSignal;
  onprogress?: (progress: Progress) => void;
  /** Who is calling, for the audit log. */
  client: string;
  /** Absent when the caller cannot answer anything (the CLI's `berth call`, a client that declared no such capability). */
  asker?: Asker;
  /** What the calling client declared it can answer, told to a 2026-07-28 server in the request's envelope. */
  capabilities?: ClientCapabilities;
  /** The least severe log message the caller wants, told to a 2026-07-28 server in the request's envelope (it logs only then). */
  logLevel?: LoggingLevel;
  /** The caller's span (W3C Trace Context from the request's `_meta`): Berth's span of the call is its child. */
  trace?: TraceParent;
}

/** A notification a server sends its clients, outside any call (`notifications/resources/updated`, `notifications/message`). */
export type UpstreamListener = (method: string, params: Record<string, unknown>) => void;
