import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writePrivateFile } from '../atomicFile.js';

/** The gateway's bearer token: random, one per Berth home, readable by the user only. */
export async function loadOrCreateToken(stateDir: string): Promise<string> {
  const file = path.join(stateDir, 'gateway-token');
  const existing = await readFile(file, 'utf8').catch(() => '');
  if (/^[A-Za-z0-9_-]{43}$/.test(existing.trim())) {
    await chmod(file, 0o600);
    return existing.trim();
  }
  const token = randomBytes(32).toString('base64url');
  writePrivateFile(file, token);
  return token;
}

/** Constant time whatever the input: both sides are hashed to equal lengths first. */
export function tokenMatches(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
