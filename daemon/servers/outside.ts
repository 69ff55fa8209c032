import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { isIP } from 'node:net';
import type { AttachedStdio } from '../hosts/runtime.js';
import { agentFetch, type FetchLike } from '../mcp/agentFetch.js';
import type { ExternalSpec, RemoteSpec } from '../protocol/spec.js';

/**
 * The two kinds of server that are no container: a `remote` one hosted elsewhere, which the
 * daemon reaches over HTTPS, and an `external` command run on this machine. The supervisor runs
 * them through the same MCP session, health checks, policy and audit as its containers.
 */

/** Whether a URL's host is this machine's loopback: the only place `insecure` is accepted. */
export function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/** What the daemon connects to a remote server with: its URL, its headers with secrets filled in, and a fetch that trusts its CA. */
export function remoteConnection(remote: RemoteSpec, secrets: Record<string, string>): { url: URL; headers: Record<string, string>; fetch: FetchLike } {
  const headers = Object.fromEntries(Object.entries(remote.headers ?? {}).map(([k, v]) => [k, v.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => secrets[name] ?? '')]));
  let ca: string | undefined;
  if (remote.ca !== undefined) {
    try {
      ca = readFileSync(remote.ca, 'utf8');
    } catch (e) {
      throw new Error(`cannot read its CA file ${remote.ca} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); fix remote.ca`);
    }
  }
  // With a CA of its own the server is trusted by that CA alone, not by the public ones too.
  const agent = new https.Agent({ keepAlive: true, ...(ca !== undefined && { ca }), ...(remote.insecure && { rejectUnauthorized: false }) });
  return { url: new URL(remote.url), headers, fetch: agentFetch(agent) };
}

/**
 * Starts an external server's command, without a shell, with only the environment the spec gives
 * it (plus PATH and HOME, which commands expect): its stdio is attached like a container's.
 */
export async function spawnExternal(external: ExternalSpec, env: Record<string, string>): Promise<{ attached: AttachedStdio; exited: Promise<number> }> {
  const child = spawn(external.command, external.args ?? [], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/', ...env },
  });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (e) => reject(new Error(`cannot run ${external.command}: ${e.message}`)));
  });
  const exited = new Promise<number>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : -1))));
  const attached: AttachedStdio = {
    stdin: child.stdin,
    stdout: child.stdout,
    stderr: child.stderr,
    // Stopped as a container is: SIGTERM, then SIGKILL after 5 s.
    close: () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      setTimeout(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'), 5000).unref();
    },
  };
  return { attached, exited };
}
