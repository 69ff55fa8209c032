import { describe, expect, it } from 'vitest';
import { callSpanOf, parseTraceParent, traceMeta } from '../../daemon/mcp/traceContext.js';
import { callSpan } from '../../daemon/metrics/otlp.js';

const T = '4bf92f3577b34da6a3ce929d0e0e4736';
const S = '00f067aa0ba902b7';

describe('W3C trace context for tool calls', () => {
  it("reads a caller's traceparent and refuses what the spec calls invalid", () => {
    expect(parseTraceParent(`00-${T}-${S}-01`, 'vendor=x')).toEqual({ traceId: T, spanId: S, flags: '01', tracestate: 'vendor=x' });
    expect(parseTraceParent(`01-${T}-${S}-00-later-fields`)).toEqual({ traceId: T, spanId: S, flags: '00' });
    for (const bad of [undefined, 42, '', `ff-${T}-${S}-01`, `00-${'0'.repeat(32)}-${S}-01`, `00-${T}-${'0'.repeat(16)}-01`, `00-${T}-${S}-01-extra`, `00-${T.toUpperCase()}-${S}-01`, `00-${T}-${S}`]) {
      expect(parseTraceParent(bad)).toBeUndefined();
    }
    // A tracestate that could break a header line is dropped, the parent kept.
    expect(parseTraceParent(`00-${T}-${S}-01`, 'a=1\r\nx: y')).toEqual({ traceId: T, spanId: S, flags: '01' });
  });

  it("makes a call's span a child of the caller's, or the root of a new trace", () => {
    const child = callSpanOf({ traceId: T, spanId: S, flags: '01', tracestate: 'v=1' });
    expect(child).toMatchObject({ traceId: T, parentSpanId: S, flags: '01', tracestate: 'v=1' });
    expect(child.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(child.spanId).not.toBe(S);
    expect(traceMeta(child)).toEqual({ traceparent: `00-${T}-${child.spanId}-01`, tracestate: 'v=1' });
    const root = callSpanOf(undefined);
    expect(root.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(root.parentSpanId).toBeUndefined();
    expect(traceMeta(root)).toEqual({ traceparent: `00-${root.traceId}-${root.spanId}-01` });
  });

  it('exports the span under the ids the call went out with', () => {
    const entry = { t: 1_800_000_000_000, client: 'c', server: 's', tool: 'echo', ms: 1, outcome: 'ok' as const };
    expect(callSpan({ ...entry, traceId: T, spanId: S, parentSpanId: 'aaaaaaaaaaaaaaaa' })).toMatchObject({ traceId: T, spanId: S, parentSpanId: 'aaaaaaaaaaaaaaaa' });
    const fresh = callSpan(entry);
    expect(fresh.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(fresh).not.toHaveProperty('parentSpanId');
  });
});
