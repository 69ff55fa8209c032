import { randomBytes } from 'node:crypto';

/**
 * W3C Trace Context for tool calls (MCP carries it in a request's `_meta` as `traceparent` and
 * `tracestate`): Berth's span for a call is a child of its caller's, and the server hears Berth's
 * span as its parent, so one trace runs from the agent through Berth into the server.
 */
export interface TraceParent {
  traceId: string;
  spanId: string;
  /** The trace flags byte, as two hex digits (`01`: sampled). */
  flags: string;
  tracestate?: string;
}

/** A call's own span: its ids, and its caller's span when the caller sent one. */
export interface CallSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  flags: string;
  tracestate?: string;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);
/** tracestate: at most 32 list members (W3C), kept as text; Berth adds none. */
const MAX_TRACESTATE = 512;

/** A caller's `traceparent`, or undefined when it is absent or not one (the spec says: start a new trace then). */
export function parseTraceParent(traceparent: unknown, tracestate?: unknown): TraceParent | undefined {
  if (typeof traceparent !== 'string') return undefined;
  const m = TRACEPARENT.exec(traceparent.trim());
  if (!m) return undefined;
  const [, version, traceId, spanId, flags, rest] = m as unknown as [string, string, string, string, string, string | undefined];
  // Version ff is forbidden; version 00 has nothing after the flags; all-zero ids are invalid.
  if (version === 'ff' || (version === '00' && rest) || traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  const state = typeof tracestate === 'string' && tracestate.length <= MAX_TRACESTATE && !/[\r\n]/.test(tracestate) ? tracestate : undefined;
  return { traceId, spanId, flags, ...(state && { tracestate: state }) };
}

/** The span of one call: a child of the caller's, or the root of a new trace. */
export function callSpanOf(parent: TraceParent | undefined): CallSpan {
  const spanId = randomBytes(8).toString('hex');
  if (!parent) return { traceId: randomBytes(16).toString('hex'), spanId, flags: '01' };
  return { traceId: parent.traceId, spanId, parentSpanId: parent.spanId, flags: parent.flags, ...(parent.tracestate && { tracestate: parent.tracestate }) };
}

/** What a server is sent in its request's `_meta`: Berth's span as the parent of the server's. */
export function traceMeta(span: CallSpan): { traceparent: string; tracestate?: string } {
  return { traceparent: `00-${span.traceId}-${span.spanId}-${span.flags}`, ...(span.tracestate && { tracestate: span.tracestate }) };
}
