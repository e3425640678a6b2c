import type { Storage } from '../storage/storage';
import { aggregateCases, type CaseBody } from './storage-contract/aggregate.cases';
import { batchCases } from './storage-contract/batch.cases';
import { processorCases } from './storage-contract/processor.cases';
import { readModelCases } from './storage-contract/read-model.cases';
import { semanticsCases } from './storage-contract/semantics.cases';
import { strictnessCases } from './storage-contract/strictness.cases';
import { textCases } from './storage-contract/text.cases';
import { transactionCases } from './storage-contract/transaction.cases';

/** What {@link storageContract} needs: a name for reports and a way to make (and dispose of) a fresh, empty storage. */
export interface StorageContractOptions<S extends Storage = Storage> {
  /** Shown by runners, e.g. `"postgres adapter"`. */
  readonly name: string;
  /** A new, empty storage; called once per case. */
  readonly create: () => S | Promise<S>;
  /** Called after each case (pass or fail) with the storage `create` returned. */
  readonly destroy?: (storage: S) => void | Promise<void>;
  /**
   * Whether the adapter has a processor store (`storage.processors`) to check. Default true: the
   * processor cases then fail, saying what to implement, for an adapter without one.
   */
  readonly processors?: boolean;
}

/** One named rule of the storage ports; `run` rejects with an Error whose message says what broke. */
export interface StorageContractCase {
  readonly name: string;
  readonly run: () => Promise<void>;
}

/**
 * The conformance suite for a {@link Storage} adapter: every rule of the storage ports as a
 * separate case, each on its own storage from `create()` and `destroy`ed afterwards. Usable from
 * any test runner; `runStorageContract(options, { describe, it })` declares one test per case with
 * any runner's functions.
 */
export function storageContract<S extends Storage>(options: StorageContractOptions<S>): StorageContractCase[] {
  const bodies: Record<string, CaseBody> = {
    ...aggregateCases,
    ...transactionCases,
    ...readModelCases,
    ...batchCases,
    ...strictnessCases,
    ...semanticsCases,
    ...textCases,
    ...(options.processors === false ? {} : processorCases),
  };
  return Object.entries(bodies).map(([name, body]) => ({
    name,
    run: async () => {
      const storage = await options.create();
      try {
        await body(storage);
      } finally {
        await options.destroy?.(storage);
      }
    },
  }));
}
