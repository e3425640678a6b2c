// Mutation testing (`npm run test:mutation`): plants small bugs in the library's source one at a time and
// runs the unit tests that cover each; a mutant the suite does not fail "survives" and is a missing test
// or an equivalent change. Run on demand, not in `npm test` (docs/reliability.md, "Mutation testing").
// `npm run test:mutation -- --mutate src/kernel/retry.ts` narrows a run to one file.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: true },
  coverageAnalysis: 'perTest',
  mutate: ['src/kernel/**/*.ts', 'src/domain/**/*.ts', 'src/application/**/*.ts', '!src/**/index.ts', '!src/**/*.d.ts'],
  ignoreStatic: true,
  // Three workers on two cores: a worker spends part of each run waiting (timers in the tests under test,
  // vitest's messages), and two kept the CPU about 65 % busy.
  concurrency: 3,
  // Added to 1.5 x the covering tests' own time: a mutant that loops is cut off early, and each timeout costs
  // a restart of the worker's vitest (on the loaded 2-core machine, a run spent a fifth of its time on five).
  timeoutMS: 5_000,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0 },
  tempDirName: '.tmp/stryker',
  cleanTempDir: 'always',
};
