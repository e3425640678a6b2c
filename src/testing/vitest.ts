/**
 * Vitest bindings of the conformance suites: `hostfactory-kernel/testing/vitest`. The only module of
 * the package that imports vitest (an optional peer dependency).
 */
export { runStorageContract } from './storage-contract.vitest';
export { runProviderContract } from './provider-contract.vitest';
