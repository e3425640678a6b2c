import { describe, it } from 'vitest';
import { runProviderContract as runWith } from './contract-runner';
import type { ProviderContractOptions } from './provider-contract';

/**
 * Declares the provider contract as a vitest suite: one `describe(name)` with an `it` per case.
 * Call it at the top level of a test file. Other runners: `runProviderContract(options, { describe, it })`
 * from `hostfactory-kernel/testing`.
 */
export function runProviderContract(options: ProviderContractOptions): void {
  runWith(options, { describe, it });
}
