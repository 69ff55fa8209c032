/** What every part of the bench is handed: the CLI of its own isolated Berth home, and the images. */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
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

export async function daemonPid(ctx: BenchContext): Promise<number> {
  return (JSON.parse((await ctx.berth('status', '--json')).stdout) as { daemon: { pid: number } }).daemon.pid;
}

/** The daemon's resident set, from /proc (Linux), in MB. */
export async function daemonRssMb(pid: number): Promise<number> {
  const kb = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (!kb) throw new Error(`no VmRSS for the daemon (pid ${pid})`);
  return Number(kb) / 1024;
}

/** CPU time (user + system) the daemon has used so far, from /proc (Linux), in ms. */
export async function daemonCpuMs(pid: number): Promise<number> {
  const ticksPerSecond = Number((await promisify(execFile)('getconf', ['CLK_TCK'])).stdout);
  // The fields after the command name, which is in parentheses and may hold spaces.
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}
