// The secrets this window keeps for Berth: values in VS Code's SecretStorage (the OS keyring),
// names in globalState, because SecretStorage cannot list its keys. It touches only the two
// storages it is given, so it is unit-tested with in-memory ones.
import type * as vscode from 'vscode';
import type { z } from 'zod';
import { SecretName } from '../../daemon/protocol/names.js';
import { MAX_SECRET_LENGTH, MIN_SECRET_LENGTH, type SecretsList } from '../../daemon/protocol/policy.js';

type SecretEntry = z.infer<typeof SecretsList.result>[number];

const NAMES_KEY = 'berth.secretNames';
const valueKey = (name: string) => `berth.secret.${name}`;

export class EditorSecretStore {
  constructor(
    private readonly storage: Pick<vscode.SecretStorage, 'get' | 'store' | 'delete'>,
    private readonly state: Pick<vscode.Memento, 'get' | 'update'>,
  ) {}

  /** The names this window holds a value for, sorted; anything in globalState that is not a secret name is ignored. */
  names(): string[] {
    const raw = this.state.get<unknown>(NAMES_KEY, []);
    const names = Array.isArray(raw) ? raw.filter((n): n is string => SecretName.safeParse(n).success) : [];
    return [...new Set(names)].sort();
  }

  async set(name: string, value: string): Promise<void> {
    const bad = secretNameProblem(name) ?? secretValueProblem(value);
    if (bad) throw new Error(bad);
    // The value first: a name in the index without a value is dropped on the next read; the reverse would be a value no one can list.
    await this.storage.store(valueKey(name), value);
    const names = this.names();
    if (!names.includes(name)) await this.state.update(NAMES_KEY, [...names, name].sort());
  }

  async delete(name: string): Promise<void> {
    await this.storage.delete(valueKey(name));
    await this.state.update(NAMES_KEY, this.names().filter((n) => n !== name));
  }

  /**
   * The values this window holds for the given names. A name whose value is gone (deleted from
   * another window, or the keyring was reset) is dropped from the index.
   */
  async values(names: readonly string[]): Promise<{ name: string; value: string }[]> {
    const found: { name: string; value: string }[] = [];
    const gone: string[] = [];
    for (const name of this.names().filter((n) => names.includes(n))) {
      const value = await this.storage.get(valueKey(name));
      if (value === undefined) gone.push(name);
      else found.push({ name, value });
    }
    if (gone.length) await this.state.update(NAMES_KEY, this.names().filter((n) => !gone.includes(n)));
    return found;
  }
}

/**
 * Which of the secrets this window holds to hand the daemon before these servers start: the ones
 * their specs name, and no others, so a value goes where it is needed only.
 */
export function secretsNamedBy(list: readonly SecretEntry[], servers: readonly string[], held: readonly string[]): string[] {
  return list.filter((s) => held.includes(s.name) && s.servers.some((server) => servers.includes(server))).map((s) => s.name);
}

/** The secrets a server's spec names that are set nowhere: neither stored by the daemon nor handed in. */
export function missingSecrets(list: readonly SecretEntry[], server: string): string[] {
  return list.filter((s) => s.sources.length === 0 && s.servers.includes(server)).map((s) => s.name);
}

/** The name box's check, as a sentence for the user; undefined when it is fine. */
export function secretNameProblem(name: string): string | undefined {
  const parsed = SecretName.safeParse(name);
  return parsed.success ? undefined : `A secret name ${parsed.error.issues[0]?.message ?? 'is not valid'}.`;
}

/** The password box's check, the daemon's rules in the user's words. */
export function secretValueProblem(value: string): string | undefined {
  if (value.length < MIN_SECRET_LENGTH) return `Use at least ${MIN_SECRET_LENGTH} characters: a shorter value cannot be told apart from ordinary log text, so it could not be redacted reliably.`;
  if (value.length > MAX_SECRET_LENGTH) return `Use at most ${MAX_SECRET_LENGTH} characters.`;
  if (value.includes('\0')) return 'A secret cannot contain a NUL character (an environment variable cannot hold one).';
  return undefined;
}
