import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { entryMatches, fingerprint, keyTypeOf, knownHostsName, parseKnownHosts, verifyHostKey } from '../../daemon/hosts/ssh/knownHosts.js';
import { SshUrl } from '../../daemon/hosts/ssh/sshConfig.js';

/** An SSH key blob: the type as an SSH string, then opaque bytes. */
function blob(type: string, body = randomBytes(32)): Buffer {
  const t = Buffer.from(type);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(t.length);
  return Buffer.concat([len, t, body]);
}

function hashed(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

describe('known_hosts', () => {
  const key = blob('ssh-ed25519');
  const other = blob('ssh-ed25519');
  const rsa = blob('ssh-rsa');
  const line = (patterns: string, k: Buffer) => `${patterns} ${keyTypeOf(k)} ${k.toString('base64')}`;

  it('names non-22 ports in brackets and fingerprints like OpenSSH', () => {
    expect(knownHostsName('box', 22)).toBe('box');
    expect(knownHostsName('127.0.0.1', 2222)).toBe('[127.0.0.1]:2222');
    expect(fingerprint(key)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(keyTypeOf(rsa)).toBe('ssh-rsa');
  });

  it('matches plain, wildcard, negated and hashed patterns', () => {
    expect(entryMatches('a,box,c', 'box')).toBe(true);
    expect(entryMatches('*.example.com,!evil.example.com', 'build.example.com')).toBe(true);
    expect(entryMatches('*.example.com,!evil.example.com', 'evil.example.com')).toBe(false);
    expect(entryMatches(hashed('[10.0.0.1]:2222'), '[10.0.0.1]:2222')).toBe(true);
    expect(entryMatches(hashed('[10.0.0.1]:2222'), '10.0.0.1')).toBe(false);
  });

  it('tells known, unknown, changed and revoked apart, and skips lines it cannot read', () => {
    const text = ['# comment', 'garbage', line('box', key), line(hashed('hashed'), key), line('other-type', rsa), `@revoked ${line('bad', other)}`, line('bad', key)].join('\n');
    const entries = parseKnownHosts(text, '/k');
    expect(entries).toHaveLength(5);
    expect(verifyHostKey(entries, 'box', key).status).toBe('known');
    expect(verifyHostKey(entries, 'hashed', key).status).toBe('known');
    expect(verifyHostKey(entries, 'nowhere', key).status).toBe('unknown');
    const changed = verifyHostKey(entries, 'box', other);
    expect(changed).toMatchObject({ status: 'changed', entry: { file: '/k', line: 3 } });
    // Known only by another key type: unknown, as OpenSSH says, not changed.
    expect(verifyHostKey(entries, 'other-type', key).status).toBe('unknown');
    expect(verifyHostKey(entries, 'bad', other).status).toBe('revoked');
  });
});

describe('ssh:// URLs', () => {
  it('takes user, host and port, and refuses passwords, paths and other schemes with a reason', () => {
    expect(SshUrl.parse('ssh://me@box:2222')).toEqual({ host: 'box', port: 2222, user: 'me' });
    expect(SshUrl.parse('ssh://box')).toEqual({ host: 'box', port: undefined, user: undefined });
    expect(SshUrl.parse('ssh://[::1]:22')).toMatchObject({ host: '::1' });
    const reason = (u: string) => SshUrl.safeParse(u).error?.issues[0]?.message;
    expect(reason('http://box')).toMatch(/scheme must be ssh/);
    expect(reason('ssh://me:pw@box')).toMatch(/password/);
    expect(reason('ssh://box/path')).toMatch(/path/);
    expect(reason('box')).toMatch(/not a URL/);
  });
});
