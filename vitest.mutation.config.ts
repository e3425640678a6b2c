import { defineConfig } from 'vitest/config';
import { persistentPool } from './test/mutation/persistent-pool';
import { MutationSequencer, RunHistory } from './test/mutation/sequencer';

// The unit tests that exercise src/kernel, src/domain and src/application in-process, for mutation testing
// (stryker.config.mjs). Tests that spawn the built package or the provider scripts run the bundle in
// dist/ or examples/*/.build, which a mutant of src/ does not reach, so they are left out.
const INCLUDE = ['kernel', 'domain', 'use-cases', 'testing', 'hostfactory', 'otel', 'reliability', 'processors', 'providers', 'templates', 'upgrading'].map((folder) => `test/${folder}/**/*.test.ts`);

// These start child processes on the built package (dist/), which a mutant of src/ never reaches.
const SPAWNING = ['test/reliability/load.test.ts', 'test/reliability/security.test.ts', 'test/hostfactory/run-operation.test.ts'];

// Checks that instrumented code cannot answer, at a cost every mutant they cover would pay: the heap and
// typedi containers after 1,000 scenarios (instrumentation allocates per call), and the completions an
// editor offers from the TypeScript language service (types only: no mutant of runtime code reaches them).
// `npm test` runs both; a mutant only they would kill is listed as surviving.
const NOT_UNDER_MUTATION = ['test/testing/scenario-disposal.test.ts', 'test/kernel/message-input.test.ts'];

// Files whose tests read process-wide state (every handler decorated in the process, the OpenTelemetry
// globals) and so need a module graph of their own. Every other file shares one per worker: Stryker
// reruns the covering files for each mutant, and loading the library, class-validator and fast-check
// afresh for each file cost about seven times the tests themselves (docs/reliability.md). The shared
// project's graph also outlives each run (test/mutation/persistent-pool.ts): a mutant re-imports only the
// test files, not the modules they load.
const NEEDS_ISOLATION = ['test/kernel/causation.test.ts', 'test/testing/verify.test.ts', 'test/kernel/kernel-lifecycle.test.ts', 'test/kernel/instance-plan-fallback.test.ts', 'test/kernel/kernel.test.ts', 'test/kernel/self-registration.test.ts', 'test/use-cases/read-models.test.ts', 'test/otel/**/*.test.ts'];

export default defineConfig({
  test: {
    // Instrumented code is several times slower; the reliability suites' wall-clock bounds scale with it.
    env: { HOSTFACTORY_TIME_BOUND_FACTOR: '10' },
    // A mutant that hangs a test (a loop waiting for a processor or a lock) fails it here, not at 30 s: the
    // slowest test seen under a mutant that did not break it (reconcile-release-checks) took about 4 s.
    testTimeout: 10_000,
    hookTimeout: 60_000,
    setupFiles: ['test/mutation/mutation-setup.ts'],
    // A mutant's files in the order most likely to kill it quickly (test/mutation/sequencer.ts).
    sequence: { sequencer: MutationSequencer },
    reporters: ['default', new RunHistory()],
    projects: [
      { extends: true, plugins: [persistentPool()], test: { name: 'shared', include: INCLUDE, exclude: [...SPAWNING, ...NOT_UNDER_MUTATION, ...NEEDS_ISOLATION], isolate: false } },
      // Each file re-evaluates the library (`isolate: true`) but in a kept thread too, where the modules from
      // node_modules (class-validator, typedi, fast-check, OpenTelemetry) stay loaded; isolated-setup.ts clears
      // the process-wide state a previous file left.
      { extends: true, plugins: [persistentPool()], test: { name: 'isolated', include: NEEDS_ISOLATION, isolate: true, setupFiles: ['test/mutation/isolated-setup.ts'] } },
    ],
  },
});
