import { mkdtempSync, readFileSync, rmSync, statSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Redactor, REDACTED } from '../../daemon/secrets/redact.js';
import { EditorSecrets } from '../../daemon/secrets/editor.js';
import { checkSecretName, SecretStore } from '../../daemon/secrets/store.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'berth-secrets-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('SecretStore', () => {
  it('keeps values in a 0600 file in a 0700 folder, lists names only', () => {
    const store = new SecretStore(path.join(dir, 'state'));
    store.set('API_TOKEN', 'hunter2-very-secret');
    expect(statSync(store.file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(store.file)).mode & 0o777).toBe(0o700);
    expect(store.list().map((s) => s.name)).toEqual(['API_TOKEN']);
    expect(JSON.stringify(store.list())).not.toContain('hunter2');
    expect(new SecretStore(path.join(dir, 'state')).get('API_TOKEN')).toBe('hunter2-very-secret');
  });

  it('narrows a file someone made readable to others', () => {
    const store = new SecretStore(dir);
    store.set('A', 'abcdefgh');
    chmodSync(store.file, 0o644);
    new SecretStore(dir);
    expect(statSync(store.file).mode & 0o777).toBe(0o600);
  });

  it.each(['../etc/passwd', 'a/b', 'a.b', '*', 'TOKEN*', '?', '1ABC', '', 'has space', '-flag', 'x'.repeat(65), 'a\\b', '$HOME'])('refuses the name %j', (name) => {
    const store = new SecretStore(dir);
    expect(checkSecretName(name)).toMatch(/^secret name .* must be 1-64 letters, digits or "_"/);
    expect(() => store.set(name, 'abcdefgh')).toThrow(/secret name/);
  });

  it('refuses values too short to redact, and NUL', () => {
    const store = new SecretStore(dir);
    expect(() => store.set('A', 'abc')).toThrow(/too short to be redacted/);
    expect(() => store.set('A', 'abcdefg\0')).toThrow(/NUL/);
  });

  it("remembers an editor value's fingerprint across restarts, writing only when it changes", () => {
    const store = new SecretStore(dir);
    let saves = 0;
    store.onChange(() => saves++);
    store.rememberEditorFingerprint('A', 'fp-1');
    store.rememberEditorFingerprint('A', 'fp-1');
    expect(saves).toBe(1);
    expect(new SecretStore(dir).editorFingerprint('A')).toBe('fp-1');
    store.rememberEditorFingerprint('A', undefined);
    expect(new SecretStore(dir).editorFingerprint('A')).toBeUndefined();
    expect(store.list()).toEqual([]);
  });

  it('removes', () => {
    const store = new SecretStore(dir);
    store.set('A', 'value-a-123');
    expect(store.remove('A')).toBe(true);
    expect(store.remove('A')).toBe(false);
    expect(readFileSync(store.file, 'utf8')).not.toContain('value-a-123');
  });
});

describe('EditorSecrets', () => {
  it('holds values handed in, all or nothing, and forgets them', () => {
    const editor = new EditorSecrets();
    let changes = 0;
    editor.onChange(() => changes++);
    editor.provide([{ name: 'A', value: 'value-a-123' }]);
    expect(() => editor.provide([{ name: 'B', value: 'value-b-123' }, { name: '../x', value: 'value-x-123' }])).toThrow(/secret name "\.\.\/x" must be 1-64 letters/);
    expect(() => editor.provide([{ name: 'B', value: 'short' }])).toThrow(/too short to be redacted/);
    expect(editor.names()).toEqual(['A']);
    const first = editor.provided('A');
    editor.provide([{ name: 'A', value: 'value-a-123' }]);
    expect(changes).toBe(1);
    expect(editor.provided('A')).toBe(first);
    expect(editor.forget(['A', 'NEVER_SET'])).toEqual(['A']);
    expect(editor.get('A')).toBeUndefined();
    expect(changes).toBe(2);
  });
});

describe('Redactor', () => {
  it('replaces every known value, longest first', () => {
    const values = ['s3cr3t-value', 's3cr3t-value-longer', 'a.b*c(d)'];
    const r = new Redactor(() => values);
    expect(r.redact('x s3cr3t-value-longer y s3cr3t-value z a.b*c(d)')).toBe(`x ${REDACTED} y ${REDACTED} z ${REDACTED}`);
    expect(r.contains('..s3cr3t-value..')).toBe(true);
    expect(r.redact('nothing here')).toBe('nothing here');
  });

  it('picks up changes on refresh, and keeps redacting a value that was removed', () => {
    const values: string[] = [];
    const r = new Redactor(() => values);
    values.push('fresh-secret');
    expect(r.redact('fresh-secret')).toBe('fresh-secret');
    r.refresh();
    expect(r.redact('fresh-secret')).toBe(REDACTED);
    values.pop();
    r.refresh();
    expect(r.redact('fresh-secret')).toBe(REDACTED);
  });
});
