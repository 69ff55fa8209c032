import { describe, expect, it } from 'vitest';
import { validateNpmSpec } from '../../daemon/images/npmImage.js';

describe('validateNpmSpec', () => {
  it.each([
    ['@modelcontextprotocol/server-everything', undefined],
    ['server-memory', '2025.4.25'],
    ['left-pad', '^1.3'],
    ['some.pkg_name~x', 'latest'],
    ['pkg', '1.0.0-beta.1+build.5'],
  ])('accepts %s@%s', (name, version) => {
    expect(() => validateNpmSpec(name, version)).not.toThrow();
  });

  it.each(['foo;rm -rf /', 'Foo', '-flag', '.hidden', '_under', '@scope', '@scope/', 'a b', 'a/b', '../x', '', 'x'.repeat(215)])(
    'refuses the name %j',
    (name) => {
      expect(() => validateNpmSpec(name)).toThrow(/^invalid npm package name/);
    },
  );

  it.each(['1.0.0 --prefix=/', '$(id)', '1.0.0\nRUN x', '-1', '', '>=1', 'file:../x', 'x'.repeat(65)])(
    'refuses the version %j',
    (version) => {
      expect(() => validateNpmSpec('pkg', version)).toThrow(/^invalid npm version/);
    },
  );
});
