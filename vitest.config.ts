import { defineConfig } from 'vitest/config';

/**
 * Files, and the tests inside each file, run in a shuffled order, so a test that only passes
 * after another one (which left a state behind) fails soon. The seed is printed at the start;
 * `BERTH_TEST_SEED=N npx vitest run …` runs the same order again.
 */
function shuffleSeed(): number {
  const given = process.env.BERTH_TEST_SEED;
  if (given !== undefined && !/^\d+$/.test(given)) throw new Error(`BERTH_TEST_SEED must be a whole number (the seed a run printed), not ${JSON.stringify(given)}`);
  const seed = given === undefined ? Math.floor(Math.random() * 1_000_000) : Number(given);
  // Set for the rest of the run, so that every load of this file (and every worker) agrees.
  if (given === undefined) {
    process.env.BERTH_TEST_SEED = String(seed);
    process.stderr.write(`vitest: shuffled with seed ${seed}; BERTH_TEST_SEED=${seed} runs this order again\n`);
  }
  return seed;
}

// Two projects: `unit` needs nothing but Node; `integration` needs a Docker engine and the images
// that its global setup builds, so only a run that includes integration files pays for them.
export default defineConfig({
  test: {
    // The integration suites share one Docker engine on a loaded 2-core machine: one file at a time.
    // (Vitest reads this from the root config only; unit files are quick enough in sequence too.)
    fileParallelism: false,
    // Vitest reads the order from the root config only; it applies to both projects.
    sequence: { shuffle: { files: true, tests: true }, seed: shuffleSeed() },
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
