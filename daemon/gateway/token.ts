import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** The gateway's bearer token: random, one per Berth home, readable by the user only. */
export async function loadOrCreateToken(stateDir: string): Promise<string> {
  const file = path.join(stateDir, 'gateway-token');
  const existing = await readFile(file, 'utf8').catch(() => '');
  if (/^[A-Za-z0-9_-]{43}$/.test(existing.trim())) {
    await chmod(file, 0o600);
    return existing.trim();
  }
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString('base64url');
  await writeFile(file, token, { mode: 0o600 });
  return token;
}

/** Constant time whatever the input: both sides are hashed to equal lengths first. */
export function tokenMatches(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
