import { ProtocolError, ProtocolErrorCode, SdkError, SdkErrorCode } from '@modelcontextprotocol/client';
import type { ServerSpec } from '../protocol/spec.js';

/**
 * How long a call may wait, in ms: `timeout` without an answer or progress (each progress
 * notification starts it afresh), and `maxTotalTimeout` in all, so a server that sends progress
 * forever still ends. A tool's own timeout (`health.toolTimeoutSeconds`) wins over the server's.
 */
export function callTimeouts(health: ServerSpec['health'], tool?: string): { timeout: number; maxTotalTimeout: number } {
  const seconds = (tool === undefined ? undefined : health.toolTimeoutSeconds[tool]) ?? health.callTimeoutSeconds;
  return { timeout: seconds * 1000, maxTotalTimeout: Math.max(seconds, health.callMaxSeconds) * 1000 };
}

interface Failed {
  server: string;
  /** `tool NAME`, `prompt NAME`, `resource URI` or a method. */
  what: string;
  elapsedMs: number;
  timeout: number;
  maxTotalTimeout: number;
  /** The caller cancelled: its own reason stands. */
  aborted: boolean;
}

/** An SDK failure of a call as one sentence a caller can act on; the server's own errors pass as they are. */
export function describeCallError(e: unknown, f: Failed): unknown {
  if (!(e instanceof SdkError) || f.aborted) return e;
  const s = (ms: number) => `${Math.round(ms / 100) / 10} s`;
  if (e.code === SdkErrorCode.RequestTimeout) {
    const why = f.elapsedMs >= f.maxTotalTimeout ? `it ran for the longest a call may take (${s(f.maxTotalTimeout)}; health.callMaxSeconds)` : `no answer or progress came for ${s(f.timeout)}`;
    const tool = /^tool (.+)$/.exec(f.what)?.[1];
    const raise = tool ? `health.toolTimeoutSeconds.${tool}` : 'health.callTimeoutSeconds';
    return new ProtocolError(ProtocolErrorCode.InternalError, `${f.what} of server ${f.server} timed out after ${s(f.elapsedMs)}: ${why}; raise ${raise} in its spec if it needs longer`);
  }
  if (e.code === SdkErrorCode.ConnectionClosed) return new ProtocolError(ProtocolErrorCode.InternalError, `server ${f.server} closed its connection during the call (it exited or was stopped)`);
  return e;
}
