/** What every part of the bench is handed: the CLI of its own isolated Berth home, and the images. */
import path from 'node:path';
import type { Target } from './clients.js';
import type { BenchImages } from './images.js';

export const BERTH = path.resolve('dist', 'berth.js');

export interface BenchContext {
  berth: (...args: string[]) => Promise<{ stdout: string }>;
  /** The environment that points the CLI at the bench's Berth home. */
  env: Record<string, string>;
  images: BenchImages;
}

/** A Berth server through the gateway (Streamable HTTP), as `berth endpoint` describes it. */
export async function viaGateway(ctx: BenchContext, ...endpointArgs: string[]): Promise<Target> {
  const e = JSON.parse((await ctx.berth('endpoint', ...endpointArgs, '--json')).stdout) as { url: string; headers: Record<string, string> };
  return { kind: 'http', url: e.url, headers: e.headers };
}

/** A Berth server through `berth connect` (stdio), as every registered MCP client spawns it. */
export function viaConnect(ctx: BenchContext, name: string): Target {
  return { kind: 'stdio', command: process.execPath, args: [BERTH, 'connect', name], env: ctx.env };
}
