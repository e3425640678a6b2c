import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareCodePoints } from '../../src/storage/read-model-query';
import type { ReadModelDocument } from '../../src/storage/read-model-store';
import type { Storage } from '../../src/storage/storage';
import type { Transaction } from '../../src/storage/unit-of-work';
import { createInMemoryStorage } from '../../src/testing';
import { contractFailures as failures } from '../support/contract-failures';

/** Sorts and compares strings by UTF-16 code unit (JavaScript's `<`), as an adapter sorting in memory without the shared comparator would. */
function sortingByCodeUnit(): Storage {
  const inner = createInMemoryStorage();
  const unit = (a: unknown, b: unknown) => (typeof a === 'string' && typeof b === 'string' ? (a < b ? -1 : a > b ? 1 : 0) : 0);
  const store = inner.readModels;
  return {
    ...inner,
    readModels: {
      get: (collection, id) => store.get(collection, id),
      getMany: (collection, ids) => store.getMany(collection, ids),
      put: (collection, document) => store.put(collection, document),
      delete: (collection, id) => store.delete(collection, id),
      query: async <T extends ReadModelDocument>(collection: string, query: Parameters<Storage['readModels']['query']>[1]) => {
        const page = await store.query<T>(collection, query);
        const key = query.sort?.[0];
        if (key === undefined) return page;
        const sign = key.direction === 'desc' ? -1 : 1;
        // Re-order the strings among themselves by code unit, leaving every other position alone.
        const slots = page.items.map((d, i) => [i, d] as const).filter(([, d]) => typeof d[key.field] === 'string');
        const strings = slots.map(([, d]) => d).sort((a, b) => sign * unit(a[key.field], b[key.field]));
        const items = [...page.items];
        slots.forEach(([i], n) => (items[i] = strings[n]!));
        return { ...page, items };
      },
    },
  };
}

/** Lets a transaction take a second key (it silently keeps only the first). */
function secondKeyIgnored(): Storage {
  const inner = createInMemoryStorage();
  const wrap = (tx: Transaction): Transaction => {
    let first: string | undefined;
    return { ...tx, lock: async (key) => (first === undefined || first === key ? tx.lock((first = key)) : undefined) };
  };
  return { ...inner, unitOfWork: { transaction: (work) => inner.unitOfWork.transaction((tx) => work(wrap(tx))) } };
}

/** A transaction that, once ended, sends saves to a transaction of its own instead of refusing them. */
function endedStillWrites(): Storage {
  const inner = createInMemoryStorage();
  return {
    ...inner,
    unitOfWork: {
      transaction: (work) => {
        let open = true;
        return inner.unitOfWork
          .transaction((tx) =>
            work({
              ...tx,
              requests: {
                ...tx.requests,
                save: (request, expectedVersion) => (open ? tx.requests.save(request, expectedVersion) : inner.unitOfWork.transaction((late) => late.requests.save(request, expectedVersion))),
              },
            }),
          )
          .finally(() => (open = false));
      },
    },
  };
}

describe('the storage contract on query order, lock keys and ended transactions (issue 27)', () => {
  it('fails an adapter that orders strings by UTF-16 code unit', async () => {
    expect([...(await failures(sortingByCodeUnit)).keys()]).toEqual([
      'query: one field of mixed types sorts null/missing, false, true, numbers, strings by code point, then objects and arrays',
    ]);
  });

  it('fails an adapter that lets a transaction take a second key', async () => {
    expect([...(await failures(secondKeyIgnored)).keys()]).toEqual(['locks: a second, different key in one transaction is VALIDATION_FAILED and leaves it unheld; the same key again is fine']);
  });

  it('fails an adapter whose ended transactions still write', async () => {
    expect([...(await failures(endedStillWrites)).keys()]).toEqual(['transactions: a transaction used after it ended rejects and writes nothing']);
  });

  it('compareCodePoints orders as UTF-8 bytes do (PostgreSQL COLLATE "C", SQLite BINARY)', () => {
    const sign = (n: number) => Math.sign(n);
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 6 }), fc.string({ unit: 'binary', maxLength: 6 }), (a, b) => {
        expect(sign(compareCodePoints(a, b))).toBe(sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))));
      }),
      { numRuns: 2_000 },
    );
    expect(compareCodePoints('\uFFFF', '\u{1F600}')).toBeLessThan(0);
    expect('\uFFFF' < '\u{1F600}').toBe(false); // what JavaScript's < says
  });
});
