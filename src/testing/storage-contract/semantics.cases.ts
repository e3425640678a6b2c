import assert from 'node:assert/strict';
import { checkReadModelQuery } from '../../storage/adapter-checks';
import { compareReadModelDocuments } from '../../storage/read-model-query';
import type { ReadModelDocument } from '../../storage/read-model-store';
import type { Transaction } from '../../storage/unit-of-work';
import type { CaseBody } from './aggregate.cases';
import { Fixtures, expectCode, gate, pause, read, within } from './fixtures';

const C = 'contract_semantics';
const WAIT_MS = 5_000;

/** One field holding every kind of JSON value, including the strings whose order differs by code unit and by code point. */
const MIXED: ReadModelDocument[] = [
  { id: 'missing' },
  { id: 'null', v: null },
  { id: 'true', v: true },
  { id: 'false', v: false },
  { id: 'n10', v: 10 },
  { id: 'n2', v: 2 },
  { id: 'n-1.5', v: -1.5 },
  { id: 's10', v: '10' },
  { id: 's9', v: '9' },
  { id: 'sa', v: 'a' },
  { id: 'sB', v: 'B' },
  { id: 's-ffff', v: '\uFFFF' },
  { id: 's-emoji', v: '\u{1F600}' },
  { id: 'object', v: { k: 1 } },
  { id: 'array', v: [1] },
];

/*
 * The query and transaction rules an adapter can break while every other case passes (issue 27):
 * the order of mixed types in one field, strings by code point, one lock key per transaction, a lock
 * held by one transaction at a time however many wait, and no use of a transaction after it ended.
 */
export const semanticsCases: Record<string, CaseBody> = {
  'query: one field of mixed types sorts null/missing, false, true, numbers, strings by code point, then objects and arrays': async (storage) => {
    for (const doc of MIXED) await storage.readModels.put(C, doc);
    const ascending = ['missing', 'null', 'false', 'true', 'n-1.5', 'n2', 'n10', 's10', 's9', 'sB', 'sa', 's-ffff', 's-emoji', 'array', 'object'];
    const descending = ['array', 'object', 's-emoji', 's-ffff', 'sa', 'sB', 's9', 's10', 'n10', 'n2', 'n-1.5', 'true', 'false', 'missing', 'null'];
    for (const [direction, expected] of [['asc', ascending], ['desc', descending]] as const) {
      const query = { sort: [{ field: 'v', direction }], limit: 100 };
      const page = await storage.readModels.query(C, query);
      assert.deepEqual(page.items.map((d) => d.id), expected, `sort ${direction} over one field of mixed types (ties by ascending id; strings by code point, so U+1F600 after U+FFFF)`);
      // The exported comparator is the rule, written once: adapters that sort in memory use it.
      assert.deepEqual([...MIXED].sort(compareReadModelDocuments(checkReadModelQuery(query).sort)).map((d) => d.id), expected, 'compareReadModelDocuments disagrees with the specified order');
    }
  },

  'query: string ranges compare by code point, as UTF-8 bytes do': async (storage) => {
    for (const doc of MIXED) await storage.readModels.put(C, doc);
    const above = await storage.readModels.query(C, { filters: [{ field: 'v', gt: '\uFFFF' }] });
    assert.deepEqual(above.items.map((d) => d.id), ['s-emoji'], 'a range gt U+FFFF should match U+1F600 (a greater code point), whatever UTF-16 says');
    const below = await storage.readModels.query(C, { filters: [{ field: 'v', lt: '\u{1F600}', gte: 'a' }] });
    assert.deepEqual(below.items.map((d) => d.id), ['s-ffff', 'sa'], 'a range lt U+1F600, gte "a" should match "a" and U+FFFF only');
  },

  'locks: a second, different key in one transaction is VALIDATION_FAILED and leaves it unheld; the same key again is fine': async (storage) => {
    await storage.unitOfWork.transaction(async (tx) => {
      await tx.lock('capacity:t-a');
      await tx.lock('capacity:t-a');
      await expectCode(tx.lock('capacity:t-b'), 'VALIDATION_FAILED', 'taking "capacity:t-b" in a transaction holding "capacity:t-a"');
    });
    // Neither key stays held: the refused one was never taken, the other ended with its transaction.
    await within(WAIT_MS, storage.unitOfWork.transaction((tx) => tx.lock('capacity:t-b')), 'taking the key a refused lock() named');
    await within(WAIT_MS, storage.unitOfWork.transaction((tx) => tx.lock('capacity:t-a')), 'taking the key of a transaction that ended');
  },

  'locks: three transactions on one key hold it one at a time, in the order they asked': async (storage) => {
    // A lock table that forgets the key when its first holder leaves lets the third in beside the second.
    const steps: string[] = [];
    const holding = (name: string, held: () => void, until: Promise<void>) =>
      storage.unitOfWork.transaction(async (tx) => {
        await tx.lock('capacity:t-a');
        steps.push(`${name} locked`);
        held();
        await until;
        steps.push(`${name} done`);
      });
    const [firstHeld, secondHeld, secondMayEnd] = [gate(), gate(), gate()];
    const first = holding('first', firstHeld.open, pause(20));
    await within(WAIT_MS, firstHeld.opened, 'the first transaction taking a free lock');
    const second = holding('second', secondHeld.open, secondMayEnd.opened);
    await within(WAIT_MS, secondHeld.opened, 'the second transaction taking the lock the first released');
    const third = holding('third', () => undefined, Promise.resolve());
    await pause(50);
    secondMayEnd.open();
    await within(WAIT_MS, Promise.all([first, second, third]), 'three transactions taking the same lock');
    assert.deepEqual(steps, ['first locked', 'first done', 'second locked', 'second done', 'third locked', 'third done'], 'the third transaction got the lock while the second held it');
  },

  'transactions: a transaction used after it ended rejects and writes nothing': async (storage) => {
    const f = new Fixtures();
    let leaked: Transaction | undefined;
    await storage.unitOfWork.transaction(async (tx) => {
      leaked = tx;
    });
    const late = f.acquire('t-a');
    await assert.rejects(Promise.resolve().then(() => leaked!.requests.save(late, 0)), 'saving through a transaction that ended should reject');
    await assert.rejects(Promise.resolve().then(() => leaked!.requests.get(late.requestId)), 'reading through a transaction that ended should reject');
    await assert.rejects(Promise.resolve().then(() => leaked!.lock('capacity:t-a')), 'locking through a transaction that ended should reject');
    assert.equal(await read(storage, (tx) => tx.requests.get(late.requestId)), undefined, 'a save through an ended transaction was stored');
    assert.equal(await storage.eventLog.head(), 0, 'an ended transaction appended events');
  },
};
