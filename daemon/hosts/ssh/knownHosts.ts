import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

/** OpenSSH's fingerprint: SHA-256 of the key blob, base64 without padding. */
export function fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type is the first string inside the blob (uint32 length, then bytes). */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown';
  const len = keyBlob.readUInt32BE(0);
  return keyBlob.subarray(4, 4 + len).toString('ascii');
}

/** How known_hosts names a host: plain for port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

const Base64 = z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/, 'not base64');

/** One known_hosts line, split on whitespace: `[@marker] patterns keytype key [comment]`. */
const Entry = z.object({
  marker: z.enum(['@revoked', '@cert-authority']).optional(),
  patterns: z.string().min(1),
  keyType: z.string().regex(/^[a-z0-9@.-]+$/, 'not a key type'),
  key: Base64,
});
export type KnownHostEntry = z.infer<typeof Entry> & { file: string; line: number };

export function parseKnownHosts(text: string, file: string): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    const marker = fields[0]?.startsWith('@') ? fields.shift() : undefined;
    const parsed = Entry.safeParse({ marker, patterns: fields[0], keyType: fields[1], key: fields[2] });
    // OpenSSH skips lines it cannot read; so does Berth, rather than refusing every host.
    if (parsed.success) out.push({ ...parsed.data, file, line: i + 1 });
  });
  return out;
}

/** A hashed name is `|1|salt|hash`: HMAC-SHA1 of the name, keyed by the salt. */
function matchesHashed(pattern: string, name: string): boolean {
  const [, magic, salt, hash] = pattern.split('|');
  if (magic !== '1' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function matchesGlob(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return re.test(name);
}

/** Comma-separated patterns, `!` negates, hashed entries stand alone. */
export function entryMatches(patterns: string, name: string): boolean {
  if (patterns.startsWith('|')) return matchesHashed(patterns, name);
  let matched = false;
  for (const p of patterns.split(',')) {
    if (p.startsWith('!')) {
      if (matchesGlob(p.slice(1), name)) return false;
    } else if (matchesGlob(p, name)) {
      matched = true;
    }
  }
  return matched;
}

export type HostKeyVerdict =
  | { status: 'known'; entry: KnownHostEntry }
  | { status: 'unknown' }
  | { status: 'changed'; entry: KnownHostEntry }
  | { status: 'revoked'; entry: KnownHostEntry };

/**
 * OpenSSH's rule: a host with an entry of the presented key's type but a different key has
 * changed its key; a host with no entry of that type is unknown.
 */
export function verifyHostKey(entries: KnownHostEntry[], name: string, keyBlob: Buffer): HostKeyVerdict {
  const presented = keyBlob.toString('base64');
  const type = keyTypeOf(keyBlob);
  const mine = entries.filter((e) => entryMatches(e.patterns, name));
  const revoked = mine.find((e) => e.marker === '@revoked' && e.key === presented);
  if (revoked) return { status: 'revoked', entry: revoked };
  const plain = mine.filter((e) => e.marker === undefined);
  const same = plain.find((e) => e.key === presented);
  if (same) return { status: 'known', entry: same };
  const changed = plain.find((e) => e.keyType === type);
  return changed ? { status: 'changed', entry: changed } : { status: 'unknown' };
}

/** Key types known for a host, to ask the server for one of those first (as OpenSSH does). */
export function knownKeyTypes(entries: KnownHostEntry[], name: string): string[] {
  return [...new Set(entries.filter((e) => e.marker === undefined && entryMatches(e.patterns, name)).map((e) => e.keyType))];
}

/**
 * The user's known_hosts files (read only) and Berth's own (where accepted keys are recorded, so
 * Berth never edits the user's SSH files).
 */
export class KnownHosts {
  constructor(
    readonly berthFile: string,
    private readonly userFiles: string[],
  ) {}

  async entries(extraFiles: string[] = []): Promise<KnownHostEntry[]> {
    const files = [...new Set([...this.userFiles, ...extraFiles, this.berthFile])];
    const texts = await Promise.all(files.map((f) => readFile(f, 'utf8').then((t) => ({ f, t }), () => ({ f, t: '' }))));
    return texts.flatMap(({ f, t }) => parseKnownHosts(t, f));
  }

  async record(name: string, keyBlob: Buffer): Promise<void> {
    await mkdir(path.dirname(this.berthFile), { recursive: true, mode: 0o700 });
    await appendFile(this.berthFile, `${name} ${keyTypeOf(keyBlob)} ${keyBlob.toString('base64')}\n`, { mode: 0o600 });
  }
}
