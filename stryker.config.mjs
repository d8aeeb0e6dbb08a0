// Mutation testing (`make mutate`, not part of `make test`): Stryker mutates one source folder (PASEO_MUTATE:
// channel, daemon or session) one small bug at a time and runs that folder's unit tests against each mutant
// (vitest.mutate.config.ts), in-process under vitest on the pinned Node 24 runtime (the Makefile starts
// Stryker with it, under nice). A mutant no test notices is a gap in the tests. The report: a clear-text
// table (score per file) and reports/mutation/<folder>/mutation.html.
//
// Incremental: results are kept in reports/mutation/<folder>/incremental.json (not in git: a cache of this
// checkout's last run); a rerun only tests mutants whose code or covering tests changed.
const folder = process.env.PASEO_MUTATE ?? 'channel';
const out = `reports/mutation/${folder}`;

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  // Threads start faster than processes (every mutant starts one); the daemon's tests need a process (the
  // control socket sets process.umask, which a worker thread may not).
  vitest: { configFile: 'vitest.mutate.config.ts', pool: folder === 'daemon' ? 'forks' : 'threads' },
  plugins: ['@stryker-mutator/vitest-runner'],
  mutate: [`cli/src/${folder}/**/*.ts`],
  coverageAnalysis: 'perTest',
  // Mutants that run only while a module loads (constants, validator tables) would each need every test
  // run again in a fresh process: left out.
  ignoreStatic: true,
  // Two workers at most: the machine has two cores, shared.
  concurrency: 2,
  // A mutant gets the time its tests took without mutation, times 2, plus 5 s (then it counts as detected:
  // it made a test hang).
  timeoutFactor: 2,
  timeoutMS: 5_000,
  incremental: true,
  incrementalFile: `${out}/incremental.json`,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `${out}/mutation.html` },
  jsonReporter: { fileName: `${out}/mutation.json` },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true, reportMutants: false },
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: '.stryker-tmp',
  // What the sandbox copy of the repository leaves out: nothing the unit tests need.
  ignorePatterns: ['.cache', 'dist', 'web/dist', 'sidecar', 'reports', 'scripts/bench', 'test-artifacts'],
};
