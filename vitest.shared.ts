/**
 * The Vitest settings every package and app shares; each one's vitest.config.ts re-exports this, or merges
 * its own on top with mergeConfig (packages/pack-test).
 *
 * Timeouts: the suite runs on loaded 2-core machines (CI, laptops running turbo with two packages at a time),
 * where a test that takes 0.7 s alone can take ten times that. Vitest's default 5 s timeout then fails tests
 * that are merely slow, so the default here is generous. No test asserts on wall-clock time; a timeout only
 * stops a test that would otherwise hang (an exponential regular expression, a child process that never
 * exits). Tests that are slow by nature (terraform init/validate/plan, packing) set their own, larger
 * timeouts.
 *
 * Reporters: the console's, and a JSON report in the package's test-results.json, which
 * scripts/test-summary.mjs reads after `pnpm test` (git ignores it).
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results.json' },
  },
});
