/**
 * Vitest bindings of the conformance suites: `hostfactory-kernel/testing/vitest`. The only module of
 * the package that imports vitest (an optional peer dependency). ESM only, and only inside vitest:
 * loaded anywhere else it throws, naming `runStorageContract(options, { describe, it })` from
 * `hostfactory-kernel/testing`, which works with every runner.
 */
import type { Storage } from '../storage/storage';
import { runProviderContract as runProviderWith, runStorageContract as runStorageWith } from './contract-runner';
import type { ProviderContractOptions } from './provider-contract';
import type { StorageContractOptions } from './storage-contract';
import { loadVitest } from './vitest-guard';

const vitest = await loadVitest();

/** Declares the storage contract as a vitest suite: one `describe(name)` with an `it` per case. Call it at the top level of a test file. */
export function runStorageContract<S extends Storage>(options: StorageContractOptions<S>): void {
  runStorageWith(options, vitest);
}

/** Declares the provider contract as a vitest suite: one `describe(name)` with an `it` per case. Call it at the top level of a test file. */
export function runProviderContract(options: ProviderContractOptions): void {
  runProviderWith(options, vitest);
}
