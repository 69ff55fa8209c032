import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { SECRET_NAME, SecretName } from '../protocol/names.js';
import { MAX_SECRET_LENGTH, MIN_SECRET_LENGTH } from '../protocol/policy.js';
import { writePrivateFile } from '../atomicFile.js';

export function checkSecretName(name: string): string | undefined {
  return SECRET_NAME.test(name) ? undefined : `secret name ${JSON.stringify(name)} ${SecretName.safeParse(name).error?.issues[0]?.message ?? 'is not valid'}`;
}

export function checkSecretValue(name: string, value: string): string | undefined {
  if (value.length < MIN_SECRET_LENGTH) return `the value of secret ${name} is shorter than ${MIN_SECRET_LENGTH} characters, too short to be redacted from logs reliably`;
  if (value.length > MAX_SECRET_LENGTH) return `the value of secret ${name} is longer than ${MAX_SECRET_LENGTH} characters`;
  if (value.includes('\0')) return `the value of secret ${name} contains a NUL character, which an environment variable cannot hold`;
  return undefined;
}

const SecretFile = z.object({
  version: z.literal(1),
  key: z.string().optional(),
  secrets: z.record(z.string(), z.object({ value: z.string(), updated: z.number() })),
  /** Keyed fingerprints (never values) of the values an editor last handed in, by name. */
  editor: z.record(z.string(), z.string()).optional(),
});
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
   * The fingerprint of the value an editor last handed in for a name. Values an editor hands in
   * live in the daemon's memory only; a daemon that restarts before the editor hands them in again
   * compares this instead, so it adopts the container made with the value rather than recreating it.
   */
  editorFingerprint(name: string): string | undefined {
    return this.data.editor?.[name];
  }

  /** Remembers (or, with undefined, forgets) an editor value's fingerprint; written only when it changed. */
  rememberEditorFingerprint(name: string, fingerprint: string | undefined): void {
    if (this.data.editor?.[name] === fingerprint) return;
    const editor = { ...this.data.editor };
    if (fingerprint === undefined) delete editor[name];
    else editor[name] = fingerprint;
    this.data.editor = editor;
    this.save();
  }

  onChange(listener: () => void): void {
    this.listeners.add(listener);
  }
}
