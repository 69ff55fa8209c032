import { describe, expect, it } from 'vitest';
import { describeMatches, redactFormats, scanText, scanValue } from '../../daemon/policy/secretScan.js';

// Assembled at run time so this file itself does not trip secret scanners.
const j = (...parts: string[]) => parts.join('');
const SAMPLES: [string, string, string][] = [
  ['AWS access key id', j('AKIA', 'IOSFODNN7EXAMPLE'), 'AKIA…[redacted]'],
  ['AWS secret access key', j('aws_secret_access_key', '=', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'), 'aws_secret_access_key…[redacted]'],
  ['GitHub token', j('ghp_', 'a'.repeat(36)), 'ghp_…[redacted]'],
  ['GitHub fine-grained token', j('github_pat_', '11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz'), 'github_pat_…[redacted]'],
  ['GitLab token', j('glpat-', 'x'.repeat(20)), 'glpat-…[redacted]'],
  ['Slack token', j('xoxb-', '1234567890-abcdefghij'), 'xoxb-…[redacted]'],
  ['Stripe secret key', j('sk_live_', '4eC39HqLyjWDarjtT1zdp7dc'), 'sk_live_…[redacted]'],
  ['Google API key', j('AIza', 'SyD-abcdefghijklmnopqrstuvwxyz01234'), 'AIza…[redacted]'],
  ['npm token', j('npm_', 'A'.repeat(36)), 'npm_…[redacted]'],
  ['private key', j('-----BEGIN ', 'RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----'), '-----BEGIN…[redacted]'],
  ['private key', j('-----BEGIN ', 'OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE\n-----END OPENSSH PRIVATE KEY-----'), '-----BEGIN…[redacted]'],
  ['JSON Web Token', j('eyJhbGciOiJIUzI1NiJ9', '.', 'eyJzdWIiOiIxMjM0NTY3ODkwIn0', '.', 'dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'), 'eyJ…[redacted]'],
];

describe('secret scanning', () => {
  it.each(SAMPLES)('finds a %s and redacts it', (kind, value, redacted) => {
    const [m, ...rest] = scanText(`before ${value} after`);
    expect(rest).toEqual([]);
    expect(m).toEqual({ kind, path: '$', redacted });
    expect(redactFormats(`x ${value} y`)).toBe(`x ${redacted} y`);
    expect(JSON.stringify(m)).not.toContain(value.slice(12));
  });

  it('finds secrets anywhere in JSON, keys too, with their path', () => {
    const key = j('AKIA', 'IOSFODNN7EXAMPLE');
    const matches = scanValue({ a: [{ b: `x ${key}` }], [key]: 1, n: 5 });
    expect(matches.map((m) => m.path)).toEqual([`$.a[0].b`, `$.${key}`]);
    expect(describeMatches('the arguments', matches)).toMatch(/^the arguments contains what looks like a secret \(AWS access key id AKIA…\[redacted\] at \$\.a\[0\]\.b, /);
  });

  it('finds a secret nested deeper than any recursion limit', () => {
    const key = j('AKIA', 'IOSFODNN7EXAMPLE');
    let deep: unknown = { k: key };
    for (let i = 0; i < 10_000; i++) deep = [deep];
    const [match] = scanValue(deep);
    expect(match?.kind).toBe('AWS access key id');
    expect(match?.path).toMatch(/^\$(\[0\]){10000}\.k$/);
  });

  it('leaves ordinary text alone', () => {
    for (const text of ['AKIA is a prefix', 'ghp_short', 'sk_test_4eC39HqLyjWDarjtT1zdp7dc', 'eyJ.not.a.jwt', 'hello world', 'xoxb-short']) {
      expect(scanText(text)).toEqual([]);
    }
  });
});
