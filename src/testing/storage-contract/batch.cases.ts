import assert from 'node:assert/strict';
import { putDocuments, saveMachines } from '../../storage/batch';
import type { CaseBody } from './aggregate.cases';
import { Fixtures, expectCode, read, seed } from './fixtures';

const TEMPLATE = 't-a';
const RET = 'ret-00000000-0000-4000-8000-0000000000ff';

/*
 * The optional batch methods (`MachineRepository.saveMany`, `ReadModelStore.putMany`), written
 * through the library's helpers: an adapter with the method is held to the same rules as the
 * single-item one; an adapter without it passes through the per-item fallback.
 */
export const batchCases: Record<string, CaseBody> = {
  'machines: saveMany inserts and updates several machines; each reads back at its new version': async (storage) => {
    const f = new Fixtures();
    const owner = f.acquire(TEMPLATE);
    await seed(storage, owner, f.machine('i-1', owner.requestId, TEMPLATE), f.machine('i-2', owner.requestId, TEMPLATE));
    await storage.unitOfWork.transaction(async (tx) => {
      const found = await tx.machines.getMany(['i-1', 'i-2']);
      for (const machine of found) machine.markReturnRequested(RET, f.at(5));
      const added = [f.machine('i-3', owner.requestId, TEMPLATE, { name: 'host-3' }), f.machine('i-4', owner.requestId, TEMPLATE)];
      await saveMachines(tx.machines, [...found.map((machine) => ({ machine, expectedVersion: 1 })), ...added.map((machine) => ({ machine, expectedVersion: 0 }))]);
    });
    const stored = await read(storage, (tx) => tx.machines.getMany(['i-1', 'i-2', 'i-3', 'i-4']));
    assert.deepEqual(stored.map((m) => [m.machineId, m.version]), [['i-1', 2], ['i-2', 2], ['i-3', 1], ['i-4', 1]], 'saveMany did not store every machine at its version');
    assert.deepEqual(stored.map((m) => m.returnRequestId), [RET, RET, null, null], 'saveMany did not store the updated state');
    const byReturn = await read(storage, (tx) => tx.machines.findByReturnRequest(RET));
    assert.deepEqual(byReturn.map((m) => m.machineId), ['i-1', 'i-2'], 'the finders do not see what saveMany updated');
    const byName = await read(storage, (tx) => tx.machines.findByName('host-3'));
    assert.deepEqual(byName.map((m) => m.machineId), ['i-3'], 'the finders do not see what saveMany inserted');
  },

  'machines: saveMany with one stale entry fails with CONCURRENCY_CONFLICT and writes none of them': async (storage) => {
    const f = new Fixtures();
    const owner = f.acquire(TEMPLATE);
    await seed(storage, owner, f.machine('i-1', owner.requestId, TEMPLATE), f.machine('i-2', owner.requestId, TEMPLATE));
    const [m1, m2] = await read(storage, (tx) => tx.machines.getMany(['i-1', 'i-2']));
    // Another transaction changes i-2 after it was read: the batch below saves a stale i-2.
    await storage.unitOfWork.transaction(async (tx) => {
      const [other] = await tx.machines.getMany(['i-2']);
      other!.markReturnRequested(RET, f.at(3));
      await tx.machines.save(other!, 1);
    });
    m1!.markReturnRequested(RET, f.at(5));
    m2!.markReturnRequested(RET, f.at(5));
    const error = await expectCode(
      storage.unitOfWork.transaction((tx) =>
        saveMachines(tx.machines, [
          { machine: f.machine('i-3', owner.requestId, TEMPLATE), expectedVersion: 0 },
          { machine: m1!, expectedVersion: 1 },
          { machine: m2!, expectedVersion: 1 },
        ]),
      ),
      'CONCURRENCY_CONFLICT',
      'saveMany with i-2 read at version 1 and changed since',
    );
    assert.equal(error.details['id'], 'i-2', 'the conflict should name the stale machine');
    const stored = await read(storage, (tx) => tx.machines.getMany(['i-1', 'i-2', 'i-3']));
    assert.deepEqual(stored.map((m) => [m.machineId, m.version]), [['i-1', 1], ['i-2', 2]], 'a saveMany that conflicted wrote some of its machines');
  },

  'machines: saveMany inserting an id that exists fails with CONCURRENCY_CONFLICT and writes nothing': async (storage) => {
    const f = new Fixtures();
    const owner = f.acquire(TEMPLATE);
    await seed(storage, owner, f.machine('i-1', owner.requestId, TEMPLATE));
    await expectCode(
      storage.unitOfWork.transaction((tx) =>
        saveMachines(tx.machines, [
          { machine: f.machine('i-2', owner.requestId, TEMPLATE), expectedVersion: 0 },
          { machine: f.machine('i-1', owner.requestId, TEMPLATE, { name: 'again' }), expectedVersion: 0 },
        ]),
      ),
      'CONCURRENCY_CONFLICT',
      'saveMany inserting i-1 again',
    );
    const stored = await read(storage, (tx) => tx.machines.getMany(['i-1', 'i-2']));
    assert.deepEqual(stored.map((m) => [m.machineId, m.name]), [['i-1', null]], 'a saveMany that conflicted wrote a machine or replaced i-1');
  },

  'machines: saveMany after a save of the same machine in the transaction stores the last state': async (storage) => {
    const f = new Fixtures();
    const owner = f.acquire(TEMPLATE);
    await seed(storage, owner);
    await storage.unitOfWork.transaction(async (tx) => {
      const m1 = f.machine('i-1', owner.requestId, TEMPLATE);
      await tx.machines.save(m1, 0);
      m1.markReturnRequested(RET, f.at(5));
      await saveMachines(tx.machines, [
        { machine: m1, expectedVersion: 1 },
        { machine: f.machine('i-2', owner.requestId, TEMPLATE), expectedVersion: 0 },
      ]);
    });
    const stored = await read(storage, (tx) => tx.machines.getMany(['i-1', 'i-2']));
    assert.deepEqual(stored.map((m) => [m.machineId, m.version, m.returnRequestId]), [['i-1', 2, RET], ['i-2', 1, null]], 'saveMany did not store the last state');
  },

  // Larger than any chunk an adapter is likely to split a batch into (500, 1,000 rows): an adapter that
  // writes only its first chunk leaves the rest of a large request unrecorded, with no error.
  'machines: saveMany of 2,500 machines stores every one, inserted and updated': async (storage) => {
    const f = new Fixtures();
    const owner = f.acquire(TEMPLATE);
    const COUNT = 2_500;
    const id = (i: number) => `i-big-${String(i).padStart(5, '0')}`;
    await seed(storage, owner);
    await storage.unitOfWork.transaction((tx) =>
      saveMachines(tx.machines, Array.from({ length: COUNT }, (_, i) => ({ machine: f.machine(id(i), owner.requestId, TEMPLATE), expectedVersion: 0 }))),
    );
    const inserted = await read(storage, (tx) => tx.machines.findByRequest(owner.requestId));
    assert.equal(inserted.length, COUNT, `saveMany of ${COUNT} new machines stored ${inserted.length}`);
    await storage.unitOfWork.transaction(async (tx) => {
      const found = await tx.machines.findByRequest(owner.requestId);
      for (const machine of found) machine.markReturnRequested(RET, f.at(5));
      await saveMachines(tx.machines, found.map((machine) => ({ machine, expectedVersion: 1 })));
    });
    const updated = await read(storage, (tx) => tx.machines.findByReturnRequest(RET));
    assert.equal(updated.length, COUNT, `saveMany of ${COUNT} updates stored ${updated.length}`);
    const last = await read(storage, (tx) => tx.machines.getMany([id(0), id(COUNT - 1)]));
    assert.deepEqual(last.map((m) => [m.machineId, m.version]), [[id(0), 2], [id(COUNT - 1), 2]], 'the first or last machine of a large saveMany is not at its new version');
  },

  'machines: saveMany naming one machine twice is VALIDATION_FAILED and writes nothing': async (storage) => {
    const f = new Fixtures();
    const owner = f.acquire(TEMPLATE);
    await seed(storage, owner);
    const hasBatch = await read(storage, async (tx) => tx.machines.saveMany !== undefined);
    // A rule of the batch method only: the per-item fallback has no batch to check.
    if (!hasBatch) return;
    const repeated = storage.unitOfWork.transaction(async (tx) => {
      const saves = [f.machine('i-1', owner.requestId, TEMPLATE), f.machine('i-2', owner.requestId, TEMPLATE), f.machine('i-1', owner.requestId, TEMPLATE)];
      await tx.machines.saveMany!(saves.map((machine) => ({ machine, expectedVersion: 0 })));
    });
    await expectCode(repeated, 'VALIDATION_FAILED', 'saveMany with i-1 twice');
    assert.deepEqual(await read(storage, (tx) => tx.machines.getMany(['i-1', 'i-2'])), [], 'a rejected saveMany wrote machines');
  },

  'read models: putMany writes several documents; each reads back': async (storage) => {
    const store = storage.readModels;
    await store.put('things', { id: 'a', n: 0 });
    await putDocuments(store, 'things', [{ id: 'a', n: 1 }, { id: 'b', n: 2, nested: { k: ['x'] } }, { id: 'c', n: 3 }]);
    assert.deepEqual(await store.getMany('things', ['a', 'b', 'c']), [{ id: 'a', n: 1 }, { id: 'b', n: 2, nested: { k: ['x'] } }, { id: 'c', n: 3 }], 'putMany did not store every document');
    const page = await store.query('things', { filters: [{ field: 'n', gte: 2 }], sort: [{ field: 'n', direction: 'asc' }] });
    assert.deepEqual(page.items.map((d) => d.id), ['b', 'c'], 'queries do not see what putMany wrote');
    assert.deepEqual(await store.getMany('other', ['a']), [], 'putMany wrote into another collection');
  },

  'read models: putMany applies the position fence to each document': async (storage) => {
    const store = storage.readModels;
    await putDocuments(store, 'things', [{ id: 'a', _position: 5, v: 'a5' }, { id: 'b', _position: 5, v: 'b5' }]);
    await putDocuments(store, 'things', [{ id: 'a', _position: 4, v: 'a4' }, { id: 'b', _position: 6, v: 'b6' }, { id: 'c', _position: 1, v: 'c1' }]);
    const stored = await store.getMany<{ id: string; v: string }>('things', ['a', 'b', 'c']);
    assert.deepEqual(stored.map((d) => d.v), ['a5', 'b6', 'c1'], 'putMany replaced a document with a higher _position, or skipped a newer one');
    // 9 < 10 and 99 < 100 as numbers, the other way round as text.
    await putDocuments(store, 'things', [{ id: 'd', _position: 10, v: 'd10' }, { id: 'e', _position: 9, v: 'e9' }, { id: 'f', _position: 100, v: 'f100' }, { id: 'g', _position: 99, v: 'g99' }]);
    await putDocuments(store, 'things', [{ id: 'd', _position: 9, v: 'd9' }, { id: 'e', _position: 10, v: 'e10' }, { id: 'f', _position: 99, v: 'f99' }, { id: 'g', _position: 100, v: 'g100' }]);
    const crossed = await store.getMany<{ id: string; v: string }>('things', ['d', 'e', 'f', 'g']);
    assert.deepEqual(crossed.map((d) => d.v), ['d10', 'e10', 'f100', 'g100'], 'putMany compared _position 9/10 or 99/100 as text: positions are numbers');
  },

  'read models: putMany with a repeated or missing id is VALIDATION_FAILED and writes nothing': async (storage) => {
    const store = storage.readModels;
    // A rule of the batch method only: the per-item fallback has no batch to check.
    if (store.putMany === undefined) return;
    await expectCode(store.putMany('things', [{ id: 'a' }, { id: 'b' }, { id: 'a' }]), 'VALIDATION_FAILED', 'putMany with id "a" twice');
    await expectCode(store.putMany('things', [{ id: 'c' }, { id: '' }]), 'VALIDATION_FAILED', 'putMany with an empty id');
    assert.deepEqual(await store.getMany('things', ['a', 'b', 'c']), [], 'a rejected putMany wrote documents');
  },
};
