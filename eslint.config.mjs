// Type-aware lint of Berth's TypeScript, with the types tsconfig.json gives `npm run typecheck`.
// The rules that matter most here are the promise rules: the daemon must never lose a rejection
// (an unhandled one is an internal error) nor hand an async function to a caller that ignores its
// promise (an event emitter, a timer), where its errors would vanish.
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    files: ['daemon/**/*.ts', 'extension/**/*.ts', 'webview/**/*.ts', 'test/**/*.ts', 'scripts/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // An async function without await is how this code implements a Promise-returning interface
      // (a transport's start/close, a store's save, a test double): a throw in it still becomes a
      // rejection, which `() => Promise.resolve(x)` would not give.
      '@typescript-eslint/require-await': 'off',
      // `const { dropped: _, ...rest } = x` is how a copy without one key is made.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
      // A variable that a callback reads before its one assignment (the daemon's api and gateway,
      // read by the registry's change listener) cannot be a const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    // Vitest's asymmetric matchers (expect.any, expect.stringMatching, …) are typed `any`.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-unsafe-assignment': 'off' },
  },
);
