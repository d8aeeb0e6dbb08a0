import { defineConfig } from 'vitest/config';

// Tests run on the pinned Node 24 runtime (scripts/node-runtime.sh), the same one the binary embeds.
export default defineConfig({
  test: {
    include: ['cli/test/**/*.test.ts', 'web/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
