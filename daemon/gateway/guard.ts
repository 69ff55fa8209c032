import type { IncomingHttpHeaders } from 'node:http';
import { tokenMatches } from './token.js';

export interface Refusal {
  status: number;
  message: string;
  headers?: Record<string, string>;
}

const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];

/**
 * The checks every gateway request passes before anything else: a loopback Host (DNS
 * rebinding), a loopback Origin when there is one (browsers), and the bearer token.
 */
export function checkRequest(headers: IncomingHttpHeaders, port: number, token: string): Refusal | undefined {
  const host = headers.host ?? '';
  if (!LOOPBACK_HOSTS.some((h) => host === `${h}:${port}`)) {
    return { status: 403, message: `Host "${host}" is not this gateway; use http://127.0.0.1:${port}` };
  }
  const origin = headers.origin;
  if (origin !== undefined && !isLoopbackOrigin(origin)) {
    return { status: 403, message: `Origin "${origin}" may not use the Berth gateway` };
  }
  const auth = headers.authorization ?? '';
  const match = /^Bearer (.+)$/.exec(auth);
  if (!match?.[1] || !tokenMatches(match[1], token)) {
    return {
      status: 401,
      message: auth ? 'the bearer token is wrong; get the current one with `berth endpoint NAME --json`' : 'an Authorization: Bearer token is required; get it with `berth endpoint NAME --json`',
      headers: { 'WWW-Authenticate': 'Bearer realm="berth"' },
    };
  }
  return undefined;
}

function isLoopbackOrigin(origin: string): boolean {
  try {
    const u = new URL(origin);
    return (u.protocol === 'http:' || u.protocol === 'https:') && LOOPBACK_HOSTS.includes(u.hostname === '::1' ? '[::1]' : u.hostname);
  } catch {
    return false;
  }
}
