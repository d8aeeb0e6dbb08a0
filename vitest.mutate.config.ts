import { defineConfig } from 'vitest/config';

// The tests mutation testing runs (`make mutate`, stryker.config.mjs) for one source folder at a time
// (PASEO_MUTATE: channel, daemon or session): the unit tests of that folder, which import the sources
// Stryker mutates. Integration and e2e tests drive the built binary, which never sees a mutant.
const TESTS: Record<string, string[]> = {
  channel: [
    'aead',
    'channel',
    'client',
    'frame',
    'messages',
    'noise',
    'pairing',
    'relay-protocol',
    'requests',
    'validate',
  ].map((t) => `cli/test/unit/${t}.test.ts`),
  daemon: [
    'admission',
    'pairing',
    'aead',
    'noise',
    'channel',
    'daemon-connection',
    'daemon-control',
    'daemon-sessions',
    'daemon-state',
    'daemon-routes',
    'history',
  ].map((t) => `cli/test/unit/${t}.test.ts`),
  session: [
    'cli/test/unit/session*.test.ts',
    'cli/test/unit/acp-*.test.ts',
    'cli/test/unit/recording-writer.test.ts',
    'cli/test/unit/pty.test.ts',
    'cli/test/unit/conversation.test.ts',
    'cli/test/unit/json-bytes.test.ts',
  ],
};

const folder = process.env.PASEO_MUTATE ?? 'channel';
const include = TESTS[folder];
if (!include) throw new Error(`PASEO_MUTATE must be one of ${Object.keys(TESTS).join(', ')}, not "${folder}".`);

export default defineConfig({
  test: {
    include,
    // A mutant that makes a protocol test wait forever fails it here quickly (the protocol's tests take
    // seconds at most) rather than costing Stryker a timeout and a restarted worker.
    testTimeout: folder === 'channel' ? 15_000 : 30_000,
    hookTimeout: 60_000,
    // The pool (threads or forks) is set in stryker.config.mjs. One worker for every file of a run: a
    // mutant's few test files do not pay a worker start each.
    isolate: false,
    // Polls wait longer than vitest's default second (the machine is busy with two workers), but not as long
    // as in `make test`: a mutant that makes a poll wait forever should fail its test soon.
    expect: { poll: { timeout: 4_000 } },
    reporters: ['default'],
  },
});
