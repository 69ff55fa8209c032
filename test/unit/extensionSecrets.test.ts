import { describe, expect, it } from 'vitest';
import { EditorSecretStore, missingSecrets, secretNameProblem, secretsNamedBy, secretValueProblem } from '../../extension/secrets/editorSecretStore.js';

/** In-memory stand-ins for VS Code's SecretStorage and globalState, shared like the real ones are by every window. */
function storages() {
  const secrets = new Map<string, string>();
  const state = new Map<string, unknown>();
  return {
    secrets,
    state,
    storage: {
      get: (k: string) => Promise.resolve(secrets.get(k)),
      store: (k: string, v: string) => Promise.resolve(void secrets.set(k, v)),
      delete: (k: string) => Promise.resolve(void secrets.delete(k)),
    },
    memento: {
      get: <T>(k: string, d?: T) => (state.has(k) ? state.get(k) : d) as T,
      update: (k: string, v: unknown) => Promise.resolve(void state.set(k, v)),
    },
  };
}

const entry = (name: string, servers: string[], sources: ('editor' | 'stored')[] = []) => ({ name, servers, sources });

describe('the secrets a window keeps', () => {
  it('keeps values in SecretStorage and only names in globalState', async () => {
    const s = storages();
    const store = new EditorSecretStore(s.storage, s.memento);
    await store.set('API_TOKEN', 'tok-123456');
    await store.set('DB_PASS', 'pw-654321');
    await store.set('API_TOKEN', 'tok-changed');
    expect(store.names()).toEqual(['API_TOKEN', 'DB_PASS']);
    expect(JSON.stringify([...s.state])).not.toMatch(/tok-|pw-/);
    expect(s.secrets.get('berth.secret.API_TOKEN')).toBe('tok-changed');
    expect(await store.values(['API_TOKEN', 'NOT_HELD'])).toEqual([{ name: 'API_TOKEN', value: 'tok-changed' }]);
    await store.delete('API_TOKEN');
    expect(store.names()).toEqual(['DB_PASS']);
    expect(s.secrets.has('berth.secret.API_TOKEN')).toBe(false);
  });

  it('refuses bad names and values before storing anything', async () => {
    const s = storages();
    const store = new EditorSecretStore(s.storage, s.memento);
    await expect(store.set('../etc/passwd', 'tok-123456')).rejects.toThrow(/^A secret name must be 1-64 letters/);
    await expect(store.set('TOKEN', 'abc')).rejects.toThrow(/^Use at least 6 characters/);
    expect(s.secrets.size).toBe(0);
    expect(store.names()).toEqual([]);
    expect(secretNameProblem('TOKEN*')).toMatch(/no paths, dots or wildcards/);
    expect(secretValueProblem('abcdef')).toBeUndefined();
    expect(secretValueProblem('abcdef\0')).toMatch(/NUL/);
  });

  it('drops a name whose value another window deleted, and ignores junk in globalState', async () => {
    const s = storages();
    const store = new EditorSecretStore(s.storage, s.memento);
    await store.set('A_TOKEN', 'value-aaaaa');
    await store.set('B_TOKEN', 'value-bbbbb');
    s.secrets.delete('berth.secret.A_TOKEN');
    expect(await store.values(['A_TOKEN', 'B_TOKEN'])).toEqual([{ name: 'B_TOKEN', value: 'value-bbbbb' }]);
    expect(store.names()).toEqual(['B_TOKEN']);
    s.state.set('berth.secretNames', ['B_TOKEN', '../x', 7, 'B_TOKEN']);
    expect(store.names()).toEqual(['B_TOKEN']);
  });
});

describe('handing secrets to the daemon', () => {
  const list = [entry('API_TOKEN', ['a']), entry('DB_PASS', ['b'], ['stored']), entry('SHARED', ['a', 'b']), entry('UNUSED', [], ['editor'])];

  it("sends only the secrets the starting servers' specs name that this window holds", () => {
    expect(secretsNamedBy(list, ['a'], ['API_TOKEN', 'DB_PASS', 'SHARED', 'UNUSED'])).toEqual(['API_TOKEN', 'SHARED']);
    expect(secretsNamedBy(list, ['b'], ['API_TOKEN'])).toEqual([]);
    expect(secretsNamedBy(list, ['a', 'b'], ['DB_PASS'])).toEqual(['DB_PASS']);
  });

  it('finds the secrets a failed server names that are set nowhere, to offer "Set Secret…"', () => {
    expect(missingSecrets(list, 'a')).toEqual(['API_TOKEN', 'SHARED']);
    expect(missingSecrets(list, 'b')).toEqual(['SHARED']);
    expect(missingSecrets(list, 'c')).toEqual([]);
  });
});
