/**
 * The MCP clients the bench measures with, behind one small interface so the baseline and Berth
 * are always driven by the very same client code: SDK v1 (1.32), SDK v2 in its default legacy
 * mode (2025 revisions), and SDK v2 in `auto` mode (2026-07-28 where the server speaks it).
 */
import { Client as ClientV2, StreamableHTTPClientTransport as HttpV2 } from '@modelcontextprotocol/client';
import { StdioClientTransport as StdioV2 } from '@modelcontextprotocol/client/stdio';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as StdioV1 } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport as HttpV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

export type Sdk = 'v1' | 'v2-legacy' | 'v2-auto';
export const SDK_LABEL: Record<Sdk, string> = { v1: 'SDK v1 client', 'v2-legacy': 'SDK v2 client (legacy)', 'v2-auto': 'SDK v2 client (auto)' };

export type Target =
  | { kind: 'stdio'; command: string; args: string[]; env?: Record<string, string> }
  | { kind: 'http'; url: string; headers?: Record<string, string> };

export interface BenchClient {
  call(tool: string, args: Record<string, unknown>): Promise<unknown>;
  /** tools/list, never answered from a client-side cache. */
  list(): Promise<unknown>;
  /** The protocol version the connection settled on (SDK v2 only; v1 keeps it private). */
  version(): string | undefined;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** The stdio transports' limit on one message (the SDKs' default is 10 MiB). */
  maxBufferSize?: number;
  /** Declare sampling, elicitation and roots (SDK v2), as Berth's own client does: `everything` offers more tools then. */
  askable?: boolean;
}

export async function connect(sdk: Sdk, target: Target, { maxBufferSize, askable }: ConnectOptions = {}): Promise<BenchClient> {
  const opts = maxBufferSize ? { maxBufferSize } : {};
  const info = { name: 'berth-bench', version: '1' };
  if (sdk === 'v1') {
    const c = new ClientV1(info);
    await c.connect(
      target.kind === 'stdio'
        ? new StdioV1({ command: target.command, args: target.args, env: target.env, stderr: 'ignore', ...opts })
        : new HttpV1(new URL(target.url), { requestInit: { headers: target.headers } }),
    );
    return {
      call: (name, args) => c.callTool({ name, arguments: args }, undefined, { timeout: 300_000 }),
      list: () => c.listTools(),
      version: () => undefined,
      close: () => c.close(),
    };
  }
  const c = new ClientV2(info, {
    ...(sdk === 'v2-auto' ? { versionNegotiation: { mode: 'auto' } } : {}),
    ...(askable ? { capabilities: { sampling: {}, elicitation: { form: {}, url: {} }, roots: {} } } : {}),
  });
  await c.connect(
    target.kind === 'stdio'
      ? new StdioV2({ command: target.command, args: target.args, env: target.env, stderr: 'ignore', ...opts })
      : new HttpV2(new URL(target.url), { requestInit: { headers: target.headers } }),
  );
  return {
    call: (name, args) => c.callTool({ name, arguments: args }, { timeout: 300_000 }),
    list: () => c.listTools(undefined, { cacheMode: 'bypass' }),
    version: () => c.getNegotiatedProtocolVersion(),
    close: () => c.close(),
  };
}
