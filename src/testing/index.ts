/**
 * Test support for hosts and for this library: in-memory adapters with real semantics and
 * conformance suites that a host's own adapters can run. Import from `hostfactory-kernel/testing`.
 */
export { createInMemoryStorage } from './in-memory-storage';
export type { InMemoryStorage, StorageCounts } from './in-memory-storage';
export { storageContract } from './storage-contract';
export type { StorageContractCase, StorageContractOptions } from './storage-contract';
// `runStorageContract` lives in './storage-contract.vitest' (its own entry point) so that importing
// this module never loads vitest.
