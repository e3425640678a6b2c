import { describe, it } from 'vitest';
import { providerContract, type ProviderContractOptions } from './provider-contract';

/**
 * Declares the provider contract as a vitest suite: one `describe(name)` with an `it` per case.
 * Call it at the top level of a test file. Only this module imports vitest.
 */
export function runProviderContract(options: ProviderContractOptions): void {
  describe(`provider contract: ${options.name}`, () => {
    for (const contractCase of providerContract(options)) it(contractCase.name, contractCase.run);
  });
}
