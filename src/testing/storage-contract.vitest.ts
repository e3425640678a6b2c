import { describe, it } from 'vitest';
import type { Storage } from '../storage/storage';
import { runStorageContract as runWith } from './contract-runner';
import type { StorageContractOptions } from './storage-contract';

/**
 * Declares the storage contract as a vitest suite: one `describe(name)` with an `it` per case.
 * Call it at the top level of a test file. Other runners: `runStorageContract(options, { describe, it })`
 * from `hostfactory-kernel/testing`.
 */
export function runStorageContract<S extends Storage>(options: StorageContractOptions<S>): void {
  runWith(options, { describe, it });
}
