module.exports = {
  // tsx compiles the TypeScript specs (ES modules); reflect-metadata loads before any decorator runs.
  'node-option': ['import=tsx', 'import=reflect-metadata'],
  extension: ['ts'],
  spec: ['test/**/*.spec.ts'],
  // The conformance suites and the 1,000-scenario leak check take longer than Mocha's 2 s default.
  timeout: 60000,
};
