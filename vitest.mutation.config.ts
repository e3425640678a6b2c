import { defineConfig } from 'vitest/config';

// The unit tests that exercise src/kernel, src/domain and src/application in-process, for mutation testing
// (stryker.config.mjs). Tests that spawn the built package or the provider scripts run the bundle in
// dist/ or examples/*/.build, which a mutant of src/ does not reach, so they are left out.
export default defineConfig({
  test: {
    include: ['test/kernel/**/*.test.ts', 'test/domain/**/*.test.ts', 'test/use-cases/**/*.test.ts', 'test/testing/**/*.test.ts', 'test/hostfactory/**/*.test.ts', 'test/otel/**/*.test.ts', 'test/reliability/**/*.test.ts'],
    // These start child processes on the built package (dist/), which a mutant of src/ never reaches.
    exclude: ['test/reliability/load.test.ts', 'test/reliability/security.test.ts', 'test/hostfactory/run-operation.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
