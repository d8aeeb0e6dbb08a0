import { defineConfig } from 'vitest/config';

// Tests run on the pinned Node 24 runtime (scripts/node-runtime.sh), the same one the binary embeds.
export default defineConfig({
  test: {
    include: ['cli/test/**/*.test.ts', 'web/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // What a test polls for (a push, a process gone) can take seconds on a busy two-core machine: the
    // default second is a timing assertion in disguise.
    expect: { poll: { timeout: 10_000 } },
    reporters: ['default'],
  },
});
