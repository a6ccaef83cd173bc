import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Synthesizing stacks is CPU-bound; on a loaded 2-core machine a few tests take several seconds.
    testTimeout: 60_000,
  },
});
