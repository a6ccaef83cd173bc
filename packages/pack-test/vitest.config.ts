import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

export default mergeConfig(
  shared,
  defineConfig({
    test: {
      // Packing builds both packages; the first install on a cold npm cache downloads ~400 MB of provider bindings.
      hookTimeout: 20 * 60_000,
      testTimeout: 5 * 60_000,
    },
  }),
);
