import { checkSecretName, checkSecretValue } from './store.js';

/**
 * Secret values a client handed in (VS Code keeps them in its SecretStorage, which is the OS
 * keyring): held in this process's memory only, never written to any file, gone when the daemon
 * exits. The editor hands them in again whenever it (re)connects.
 */
export class EditorSecrets {
  private readonly byName = new Map<string, { value: string; provided: number }>();
  private readonly listeners = new Set<() => void>();

  /** All or nothing: one bad name or value refuses the lot, so a typo never half-applies. */
  provide(secrets: { name: string; value: string }[]): void {
    for (const s of secrets) {
      const bad = checkSecretName(s.name) ?? checkSecretValue(s.name, s.value);
      if (bad) throw new Error(bad);
    }
    let changed = false;
    for (const s of secrets) {
      // Handed in again unchanged on every start: keeps the time it was first handed in.
      if (this.byName.get(s.name)?.value === s.value) continue;
      this.byName.set(s.name, { value: s.value, provided: Date.now() });
      changed = true;
    }
    if (changed) this.emit();
  }

  /** The names that had a value; unknown names are not an error (another window may have forgotten them first). */
  forget(names: string[]): string[] {
    const forgotten = names.filter((n) => this.byName.delete(n));
    if (forgotten.length) this.emit();
    return forgotten;
  }

  get(name: string): string | undefined {
    return this.byName.get(name)?.value;
  }

  /** When the current value was handed in. */
  provided(name: string): number | undefined {
    return this.byName.get(name)?.provided;
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  values(): string[] {
    return [...this.byName.values()].map((s) => s.value);
  }

  onChange(listener: () => void): void {
    this.listeners.add(listener);
  }

  private emit(): void {
    for (const l of this.listeners) l();
  }
}
