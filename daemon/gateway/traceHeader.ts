import type http from 'node:http';

/**
 * A caller that sends W3C Trace Context as HTTP headers (`traceparent`, `tracestate`) rather than
 * in the request's `_meta` is heard the same way: the headers go into the `_meta` of a request
 * that has none of its own (`_meta` wins, as MCP defines it there).
 */
export function traceHeadersIntoMeta(req: http.IncomingMessage, body: unknown): void {
  const traceparent = req.headers.traceparent;
  if (typeof traceparent !== 'string' || !isRequest(body)) return;
  const params = (body.params ??= {});
  const meta = (params._meta ??= {}) as Record<string, unknown>;
  if (meta.traceparent !== undefined) return;
  meta.traceparent = traceparent;
  const tracestate = req.headers.tracestate;
  if (typeof tracestate === 'string') meta.tracestate = tracestate;
}

function isRequest(body: unknown): body is { method: string; params?: Record<string, unknown> & { _meta?: unknown } } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const b = body as { method?: unknown; id?: unknown; params?: unknown };
  const params = b.params;
  return typeof b.method === 'string' && b.id !== undefined && (params === undefined || (typeof params === 'object' && params !== null && !Array.isArray(params) && isObjectOrAbsent((params as { _meta?: unknown })._meta)));
}

const isObjectOrAbsent = (v: unknown) => v === undefined || (typeof v === 'object' && v !== null && !Array.isArray(v));
