import { describe, it } from 'vitest';
import type { Storage } from '../application/storage/storage';
import { storageContract, type StorageContractOptions } from './storage-contract';

/**
 * Declares the storage contract as a vitest suite: one `describe(name)` with an `it` per case.
 * Call it at the top level of a test file. Only this module imports vitest.
 */
export function runStorageContract<S extends Storage>(options: StorageContractOptions<S>): void {
  describe(`storage contract: ${options.name}`, () => {
    for (const contractCase of storageContract(options)) it(contractCase.name, contractCase.run);
  });
}
