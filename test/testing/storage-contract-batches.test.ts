import { describe, expect, it } from 'vitest';
import type { Storage } from '../../src/storage/storage';
import type { Transaction } from '../../src/storage/unit-of-work';
import { createInMemoryStorage } from '../../src/testing';
import { contractFailures as failures } from '../support/contract-failures';

/** An adapter whose `saveMany` silently writes only the first 500 entries of a batch (issue 32, item 5). */
function truncatingBatches(): Storage {
  const inner = createInMemoryStorage();
  const wrap = (tx: Transaction): Transaction => ({
    ...tx,
    machines: { ...tx.machines, saveMany: async (saves) => tx.machines.saveMany!(saves.slice(0, 500)) },
  });
  return { ...inner, unitOfWork: { transaction: (work) => inner.unitOfWork.transaction((tx) => work(wrap(tx))) } };
}

describe('storageContract and large batches', () => {
  it('fails an adapter whose saveMany writes only part of a large batch, and only in the large-batch case', async () => {
    const failed = await failures(truncatingBatches);
    expect([...failed.keys()]).toEqual(['machines: saveMany of 2,500 machines stores every one, inserted and updated']);
    expect([...failed.values()][0]).toMatch(/saveMany of 2500 new machines stored 500/);
  });
});
