import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { attr, startCollector } from '../collector.js';
import { FIXTURE_IMAGE, TestHome, waitFor } from '../support.js';

describe('OTLP export through the daemon', () => {
  let home: TestHome;
  beforeEach(async () => {
    home = await TestHome.create();
  });
  afterEach(() => home.dispose());

  it('sends a span for each tool call to the collector telemetry.yaml names', async () => {
    const collector = await startCollector();
    try {
      await mkdir(path.dirname(home.paths.userSpecFile), { recursive: true });
      await writeFile(path.join(path.dirname(home.paths.userSpecFile), 'telemetry.yaml'), `otlp:\n  endpoint: ${collector.url}\n`);
      await home.writeSpecs(`servers:\n  tl:\n    image: ${FIXTURE_IMAGE}\n    args: [/app/tools.js]\n`);
      await home.ok(['start', 'tl']);
      await home.ok(['call', 'tl', 'echo', '{"message":"argument-value-7731"}']);
      const span = await waitFor('the call\'s span at the collector', async () => collector.spans().find((s) => s.name === 'tools/call echo'), 30_000);
      // A call that came with no trace starts one.
      expect(span.parentSpanId).toBeUndefined();
      expect(attr(span, 'berth.server')).toBe('tl');
      expect(attr(span, 'berth.outcome')).toBe('ok');
      expect(span.status.code).toBe(1);
      // Argument values never leave: not in the audit log, not in a span.
      expect(JSON.stringify(collector.received)).not.toContain('argument-value-7731');
    } finally {
      await collector.close();
    }
  });

  it("makes each call's span a child of its caller's, and the server's parent, from `_meta` or the HTTP headers", async () => {
    const collector = await startCollector();
    try {
      await mkdir(path.dirname(home.paths.userSpecFile), { recursive: true });
      await writeFile(path.join(path.dirname(home.paths.userSpecFile), 'telemetry.yaml'), `otlp:\n  endpoint: ${collector.url}\n`);
      await home.writeSpecs(`servers:\n  tl:\n    image: ${FIXTURE_IMAGE}\n    args: [/app/tools.js]\n    env: { TRACE_TOOL: '1' }\n`);
      await home.ok(['start', 'tl']);
      const e = await home.json<{ url: string; headers: Record<string, string> }>(['endpoint', 'tl']);
      const viaMeta = { traceId: randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex') };
      const viaHeader = { traceId: randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex') };
      const traceparent = (t: { traceId: string; spanId: string }) => `00-${t.traceId}-${t.spanId}-01`;
      for (const era of ['legacy', 'modern'] as const) {
        const headers = { ...e.headers, traceparent: traceparent(viaHeader) };
        const client = new Client({ name: `tracer-${era}`, version: '1' }, era === 'modern' ? { versionNegotiation: { mode: 'auto' } } : {});
        await client.connect(new StreamableHTTPClientTransport(new URL(e.url), { requestInit: { headers } }));
        try {
          for (const [caller, meta] of [[viaMeta, { traceparent: traceparent(viaMeta) }], [viaHeader, undefined]] as const) {
            const result = (await client.callTool({ name: 'trace', arguments: {}, ...(meta && { _meta: meta }) })) as { content: { text: string }[] };
            const heard = result.content[0]?.text ?? '';
            // The server hears Berth's span of the call as its parent, in the caller's trace.
            const [, traceId, berthSpan] = heard.split('-');
            expect(traceId).toBe(caller.traceId);
            expect(berthSpan).toMatch(/^[0-9a-f]{16}$/);
            expect(berthSpan).not.toBe(caller.spanId);
            const span = await waitFor(`the ${era} call's span`, async () => collector.spans().find((s) => s.spanId === berthSpan), 30_000);
            expect(span).toMatchObject({ name: 'tools/call trace', traceId: caller.traceId, parentSpanId: caller.spanId });
          }
        } finally {
          await client.close();
        }
      }
    } finally {
      await collector.close();
    }
  });
});
