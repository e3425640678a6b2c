import fc from 'fast-check';
import { inject } from 'vitest';

// A setup file of the mutation run (vitest.mutation.config.ts), listed after Stryker's own.

// Stryker plants a runtime mutant in a `beforeAll` and never takes it back, so in a module graph shared
// between files and between runs (persistent-pool.ts) the next test file, and any module it loads for the
// first time, would be evaluated with the previous mutant still active. A fresh thread starts with none;
// so does each file here. A static mutant is planted on purpose before the modules load: left alone.
const namespace = (inject as (key: string) => unknown)('globalNamespace');
const stryker = typeof namespace === 'string' ? (globalThis as Record<string, { activeMutant?: unknown } | undefined>)[namespace] : undefined;
if (stryker && (inject as (key: string) => unknown)('mutantActivation') !== 'static') stryker.activeMutant = undefined;

// A property that fails under a mutant has killed it with its first counterexample; shrinking that
// counterexample (hundreds of further runs through instrumented code) changes nothing in the verdict.
// Every property still runs its full `numRuns` when it holds.
fc.configureGlobal({ ...fc.readConfigureGlobal(), endOnFailure: true });
