/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.spec.ts'],
  // @swc/jest reads .swcrc: legacy decorators with metadata, CommonJS output.
  transform: { '^.+\\.ts$': '@swc/jest' },
  setupFiles: ['reflect-metadata'],
  // No fake timers here: the ts-jest fixture runs with them. (Legacy fake timers are jest.fn mocks that
  // record every timer call, so a long suite under them holds each call's closure; see docs/testing.md.)
  testTimeout: 60000,
};
