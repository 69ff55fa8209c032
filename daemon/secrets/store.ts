import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { SECRET_NAME, SecretName } from '../policy/schemas.js';
import { writePrivateFile } from '../privateFile.js';


/** Shorter values would be redacted everywhere they appear by chance, mangling logs. */
export const MIN_SECRET_LENGTH = 6;
export const MAX_SECRET_LENGTH = 32768;

export function checkSecretName(name: string): string | undefined {
  return SECRET_NAME.test(name) ? undefined : `secret name ${JSON.stringify(name)} ${SecretName.safeParse(name).error?.issues[0]?.message ?? 'is not valid'}`;
}

export function checkSecretValue(name: string, value: string): string | undefined {
  if (value.length < MIN_SECRET_LENGTH) return `the value of secret ${name} is shorter than ${MIN_SECRET_LENGTH} characters, too short to be redacted from logs reliably`;
  if (value.length > MAX_SECRET_LENGTH) return `the value of secret ${name} is longer than ${MAX_SECRET_LENGTH} characters`;
  if (value.includes('\0')) return `the value of secret ${name} contains a NUL character, which an environment variable cannot hold`;
  return undefined;
}

const SecretFile = z.object({ version: z.literal(1), key: z.string().optional(), secrets: z.record(z.string(), z.object({ value: z.string(), updated: z.number() })) });
type SecretFile = z.infer<typeof SecretFile>;

/**
 * Named secrets in `secrets.json` in Berth's state folder: 0600 in a 0700 folder, written
 * atomically. An OS keyring (libsecret, Keychain) would be preferable where one runs; the machines
 * Berth is tested on (Debian servers without a desktop session) have none, so the file is what
 * there is, and the extension's SecretStorage hands values in over the daemon API instead.
 */
export class SecretStore {
  readonly file: string;
  private data: SecretFile;
  private listeners = new Set<() => void>();

  constructor(stateDir: string) {
    this.file = path.join(stateDir, 'secrets.json');
    this.data = this.load();
  }

  private load(): SecretFile {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, secrets: {} };
      throw e;
    }
    const mode = statSync(this.file).mode & 0o777;
    // Someone widened it: narrow it again rather than keep secrets readable by others.
    if (mode & 0o077) chmodSync(this.file, 0o600);
    const parsed = SecretFile.safeParse(JSON.parse(text));
    if (!parsed.success) throw new Error(`${this.file} is not a valid Berth secrets file; fix or remove it`);
    return parsed.data;
  }

  private save(): void {
    writePrivateFile(this.file, `${JSON.stringify(this.data)}\n`);
    for (const l of this.listeners) l();
  }

  set(name: string, value: string): void {
    const bad = checkSecretName(name) ?? checkSecretValue(name, value);
    if (bad) throw new Error(bad);
    this.data.secrets[name] = { value, updated: Date.now() };
    this.save();
  }

  get(name: string): string | undefined {
    return this.data.secrets[name]?.value;
  }

  /** Names and when each was last set; never values. */
  list(): { name: string; updated: number }[] {
    return Object.entries(this.data.secrets)
      .map(([name, s]) => ({ name, updated: s.updated }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  remove(name: string): boolean {
    const bad = checkSecretName(name);
    if (bad) throw new Error(bad);
    if (!(name in this.data.secrets)) return false;
    delete this.data.secrets[name];
    this.save();
    return true;
  }

  /** A random key of this store, for fingerprints of values that must not be guessable. */
  fingerprintKey(): string {
    if (!this.data.key) {
      this.data.key = randomBytes(32).toString('hex');
      this.save();
    }
    return this.data.key;
  }

  values(): string[] {
    return Object.values(this.data.secrets).map((s) => s.value);
  }

  /**
   * The values of the secrets a server's spec names, as env entries. A secret that is not set is
   * one sentence that says how to set it.
   */
  resolve(server: string, names: string[]): Record<string, string> {
    const missing = names.filter((n) => this.get(n) === undefined);
    if (missing.length) {
      const list = missing.join(', ');
      throw new Error(`server ${server} needs secret${missing.length > 1 ? 's' : ''} ${list}, which ${missing.length > 1 ? 'are' : 'is'} not set; set ${missing.length > 1 ? 'each' : 'it'} with \`berth secret set ${missing[0]}\``);
    }
    return Object.fromEntries(names.map((n) => [n, this.get(n) ?? '']));
  }

  onChange(listener: () => void): void {
    this.listeners.add(listener);
  }
}
