/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.spec.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  // Loaded before every test file, so decorators find the Reflect metadata API.
  setupFiles: ['reflect-metadata'],
  // Modern fake timers in every test: the kit's own waits run on Node's real timers regardless.
  fakeTimers: { enableGlobally: true },
  // The conformance suites and the 1,000-scenario leak check take longer than Jest's 5 s default.
  testTimeout: 60000,
};
