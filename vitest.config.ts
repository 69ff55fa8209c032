import { defineConfig } from 'vitest/config';

// Two projects: `unit` needs nothing but Node; `integration` needs a Docker engine and the images
// that its global setup builds, so only a run that includes integration files pays for them.
export default defineConfig({
  test: {
    // The integration suites share one Docker engine on a loaded 2-core machine: one file at a time.
    // (Vitest reads this from the root config only; unit files are quick enough in sequence too.)
    fileParallelism: false,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // Every wait inside a test is bounded by its own condition's deadline; this is the backstop.
          testTimeout: 300_000,
          hookTimeout: 300_000,
          globalSetup: ['test/globalSetup.ts'],
        },
      },
    ],
  },
});
