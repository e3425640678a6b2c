import type { Storage } from '../storage/storage';
import { providerContract, type ProviderContractOptions } from './provider-contract';
import { storageContract, type StorageContractOptions } from './storage-contract';

/**
 * The two functions of a test runner the kit declares suites with. Jest's and vitest's globals,
 * Mocha's BDD interface, `node:test` and Jasmine all fit: pass `{ describe, it }` (or `test`).
 */
export interface TestRunner {
  /** Declares a group; `body` declares its tests synchronously. */
  describe(name: string, body: () => void): unknown;
  /** Declares one test; `body` resolves when it passes and rejects with the reason it failed. */
  it(name: string, body: () => Promise<void>): unknown;
}

/**
 * Declares the storage contract with any runner: one `describe('storage contract: <name>')` holding
 * an `it` per case of {@link storageContract}. Call it where your runner accepts declarations (the
 * top level of a test file, or inside a `describe`). Each case takes real milliseconds, never faked
 * ones; give a slow adapter room with your runner's own timeout (Mocha's default is 2 s).
 */
export function runStorageContract<S extends Storage>(options: StorageContractOptions<S>, runner: TestRunner): void {
  checkRunner(runner, 'runStorageContract');
  runner.describe(`storage contract: ${options.name}`, () => {
    for (const contractCase of storageContract(options)) runner.it(contractCase.name, contractCase.run);
  });
}

/**
 * Declares the provider contract with any runner: one `describe('provider contract: <name>')`
 * holding an `it` per case of {@link providerContract}. Same rules as {@link runStorageContract}.
 */
export function runProviderContract(options: ProviderContractOptions, runner: TestRunner): void {
  checkRunner(runner, 'runProviderContract');
  runner.describe(`provider contract: ${options.name}`, () => {
    for (const contractCase of providerContract(options)) runner.it(contractCase.name, contractCase.run);
  });
}

function checkRunner(runner: TestRunner | undefined, caller: string): void {
  if (typeof runner?.describe !== 'function' || typeof runner.it !== 'function') {
    throw new TypeError(
      `${caller}(options, runner): runner must have describe(name, body) and it(name, body) functions, such as ` +
        "{ describe, it } from '@jest/globals', 'node:test', Mocha's globals or 'vitest'. Under vitest, " +
        `${caller}(options) from 'hostfactory-kernel/testing/vitest' passes vitest's own.`,
    );
  }
}
