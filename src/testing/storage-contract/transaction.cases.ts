import assert from 'node:assert/strict';
import type { DomainEvent } from '../../domain/shared/domain-event';
import type { CaseBody } from './aggregate.cases';
import { Fixtures, expectCode, staleTemplate, gate, pause, read, saveIn, seed, within } from './fixtures';

const WAIT_MS = 2000;

/** Atomic commit, conflicts, rollback, the outbox and event log, concurrency and locks. */
export const transactionCases: Record<string, CaseBody> = {
  'transactions: transaction() resolves with the result of work': async (storage) => {
    const result = await storage.unitOfWork.transaction(async () => ({ answer: 42 }));
    assert.deepEqual(result, { answer: 42 }, 'transaction(work) should resolve with what work resolved with');
  },

  'transactions: work sees its own writes; others see them only after commit': async (storage) => {
    const f = new Fixtures();
    const request = f.acquire('t-a');
    const saved = gate();
    const release = gate();
    const writer = storage.unitOfWork.transaction(async (tx) => {
      await tx.requests.save(request, 0);
      const own = await tx.requests.get(request.requestId);
      assert.equal(own?.requestId, request.requestId, 'a transaction cannot read the request it just saved (read-your-writes)');
      const found = await tx.requests.findByStatus(['pending']);
      assert.deepEqual(found.map((r) => r.requestId), [request.requestId], 'a finder inside the transaction does not see the request it just saved');
      saved.open();
      await release.opened;
    });
    await within(WAIT_MS, saved.opened, 'waiting for the writer to save');
    const outside = await within(WAIT_MS, read(storage, (tx) => tx.requests.get(request.requestId)), 'reading while another transaction is open');
    release.open();
    await writer;
    assert.equal(outside, undefined, 'another transaction saw an uncommitted save');
    const after = await read(storage, (tx) => tx.requests.get(request.requestId));
    assert.equal(after?.requestId, request.requestId, 'the save is not visible after commit');
  },

  'conflicts: inserting an id that already exists fails with CONCURRENCY_CONFLICT': async (storage) => {
    const f = new Fixtures();
    await seed(storage, f.template('t-a', 10));
    const error = await expectCode(
      storage.unitOfWork.transaction((tx) => tx.templates.save(f.template('t-a', 20), 0)),
      'CONCURRENCY_CONFLICT',
      'inserting template "t-a" (expectedVersion 0) when it already exists',
    );
    assert.deepEqual(
      { ...error.details },
      { aggregateType: 'Template', id: 't-a', expectedVersion: 0, actualVersion: 1 },
      'the conflict should name the aggregate type, id, expected and actual versions',
    );
    const stored = await read(storage, (tx) => tx.templates.get('t-a'));
    assert.equal(stored?.maxNumber, 10, 'a conflicting insert overwrote the stored template');
  },

  'conflicts: a stale expectedVersion fails and the transaction writes nothing': async (storage) => {
    const f = new Fixtures();
    const owner = f.acquire('t-a');
    await seed(storage, f.template('t-a', 10), f.machine('i-1', owner.requestId, 't-a'));
    const stale = await staleTemplate(storage, f, 't-a');
    const headBefore = await storage.eventLog.head();
    const error = await expectCode(
      storage.unitOfWork.transaction(async (tx) => {
        const created = f.template('t-new');
        await tx.templates.save(created, 0);
        tx.outbox.append(created.pullEvents());
        const machine = await tx.machines.get('i-1');
        machine?.report({ status: 'running' }, f.at(2));
        if (machine) await tx.machines.save(machine, 1);
        stale.update({ maxNumber: 30 }, f.at(2));
        await tx.templates.save(stale, 1);
        tx.outbox.append(stale.pullEvents());
      }),
      'CONCURRENCY_CONFLICT',
      'saving template "t-a" at expectedVersion 1 after it moved to version 2',
    );
    assert.equal(error.details.expectedVersion, 1, 'the conflict should report expectedVersion 1');
    assert.equal(error.details.actualVersion, 2, 'the conflict should report actualVersion 2');
    assert.equal((await read(storage, (tx) => tx.templates.get('t-a')))?.maxNumber, 20, 'the conflicting save overwrote the newer template');
    assert.equal(await read(storage, (tx) => tx.templates.get('t-new')), undefined, 'another save of the conflicting transaction was committed');
    assert.equal((await read(storage, (tx) => tx.machines.get('i-1')))?.status, 'pending', 'another update of the conflicting transaction was committed');
    assert.equal(await storage.eventLog.head(), headBefore, 'events of the conflicting transaction reached the event log');
  },

  'conflicts: updating an aggregate that was never stored fails with CONCURRENCY_CONFLICT': async (storage) => {
    const f = new Fixtures();
    const template = f.template('t-a');
    template.update({ maxNumber: 5 }, f.at(1));
    const error = await expectCode(
      storage.unitOfWork.transaction((tx) => tx.templates.save(template, 1)),
      'CONCURRENCY_CONFLICT',
      'saving template "t-a" at expectedVersion 1 when it does not exist',
    );
    assert.equal(error.details.actualVersion, null, 'the conflict should report actualVersion null for a missing aggregate');
    assert.equal(await read(storage, (tx) => tx.templates.get('t-a')), undefined, 'the conflicting save was stored');
  },

  'conflicts: saving an aggregate whose version is not above expectedVersion is refused': async (storage) => {
    const f = new Fixtures();
    await seed(storage, f.template('t-a'));
    await expectCode(
      storage.unitOfWork.transaction(async (tx) => {
        const unchanged = await tx.templates.get('t-a');
        if (unchanged) await tx.templates.save(unchanged, unchanged.version);
      }),
      'VALIDATION_FAILED',
      'saving an unchanged template (version 1) at expectedVersion 1',
    );
  },

  'transactions: saving one aggregate twice checks the first expectedVersion and keeps the last state': async (storage) => {
    const f = new Fixtures();
    await seed(storage, f.template('t-a', 10));
    await storage.unitOfWork.transaction(async (tx) => {
      const template = await tx.templates.get('t-a');
      assert.ok(template, 'the seeded template is missing');
      template.update({ maxNumber: 20 }, f.at(1));
      await tx.templates.save(template, 1);
      template.update({ maxNumber: 30 }, f.at(2));
      await tx.templates.save(template, 2);
    });
    const stored = await read(storage, (tx) => tx.templates.get('t-a'));
    assert.equal(stored?.maxNumber, 30, 'the last state saved in the transaction was not the one stored');
    assert.equal(stored?.version, 3, 'the stored version should be that of the last save');
  },

  'transactions: a thrown error rolls everything back and rejects with that error': async (storage) => {
    const f = new Fixtures();
    const boom = new Error('boom');
    const owner = f.acquire('t-a');
    const rejected = storage.unitOfWork.transaction(async (tx) => {
      for (const aggregate of [f.template('t-a'), owner, f.machine('i-1', owner.requestId, 't-a')]) {
        await saveIn(tx, aggregate, 0);
        tx.outbox.append(aggregate.pullEvents());
      }
      throw boom;
    });
    await assert.rejects(rejected, (error) => error === boom, 'transaction(work) should reject with the very error work threw');
    const [t, r, m] = await read(storage, (tx) => Promise.all([tx.templates.get('t-a'), tx.requests.get(owner.requestId), tx.machines.get('i-1')]));
    assert.deepEqual([t, r, m], [undefined, undefined, undefined], 'saves of a transaction whose work threw were committed');
    assert.equal(await storage.eventLog.head(), 0, 'events of a transaction whose work threw reached the event log');
  },

  'outbox: events get consecutive positions in commit order across transactions': async (storage) => {
    const f = new Fixtures();
    const a = f.template('t-a');
    const b = f.template('t-b');
    b.update({ maxNumber: 7 }, f.at(1));
    const expected: DomainEvent[] = [];
    await storage.unitOfWork.transaction(async (tx) => {
      await tx.templates.save(a, 0);
      const events = a.pullEvents();
      expected.push(...events);
      tx.outbox.append(events);
    });
    await storage.unitOfWork.transaction(async (tx) => {
      await tx.templates.save(b, 0);
      const events = b.pullEvents();
      expected.push(...events);
      tx.outbox.append(events);
    });
    const log = await storage.eventLog.readAfter(0, 100);
    assert.deepEqual(log.map((e) => e.position), [1, 2, 3], 'positions should be 1, 2, 3 across two transactions');
    assert.deepEqual(log.map((e) => e.event), expected, 'the log should hold the appended events, in append and commit order');
    assert.equal(await storage.eventLog.head(), 3, 'head() should be the highest committed position');
  },

  'outbox: events of a failed transaction never reach the log and leave no gap': async (storage) => {
    const f = new Fixtures();
    await seed(storage, f.template('t-a'));
    await assert.rejects(
      storage.unitOfWork.transaction(async (tx) => {
        const b = f.template('t-b');
        await tx.templates.save(b, 0);
        tx.outbox.append(b.pullEvents());
        throw new Error('abandon');
      }),
    );
    await seed(storage, f.template('t-c'));
    const log = await storage.eventLog.readAfter(0, 100);
    assert.deepEqual(log.map((e) => [e.position, e.event.aggregateId]), [[1, 't-a'], [2, 't-c']], 'a rolled-back transaction left events or a gap in the log');
  },

  'eventLog: an empty log has head 0 and nothing after 0': async (storage) => {
    assert.equal(await storage.eventLog.head(), 0, 'head() of an empty log should be 0');
    assert.deepEqual(await storage.eventLog.readAfter(0, 10), [], 'readAfter(0, 10) of an empty log should be empty');
  },

  'eventLog: readAfter pages through the log by position': async (storage) => {
    const f = new Fixtures();
    for (let i = 1; i <= 7; i += 1) await seed(storage, f.template(`t-${i}`));
    const pages: number[][] = [];
    for (let after = 0; ; ) {
      const page = await storage.eventLog.readAfter(after, 3);
      pages.push(page.map((e) => e.position));
      if (page.length === 0) break;
      after = page[page.length - 1]?.position ?? after;
    }
    assert.deepEqual(pages, [[1, 2, 3], [4, 5, 6], [7], []], 'readAfter(after, 3) should return the next three positions each time');
    const tail = await storage.eventLog.readAfter(5, 100);
    assert.deepEqual(tail.map((e) => e.event.aggregateId), ['t-6', 't-7'], 'readAfter(5) should start at position 6');
  },

  'isolation: mutating appended or read events changes nothing stored': async (storage) => {
    const f = new Fixtures();
    const template = f.template('t-a');
    const events = template.pullEvents();
    await storage.unitOfWork.transaction(async (tx) => {
      await tx.templates.save(template, 0);
      tx.outbox.append(events);
    });
    (events[0] as { aggregateId: string }).aggregateId = 'changed-after-append';
    const [first] = await storage.eventLog.readAfter(0, 1);
    assert.equal(first?.event.aggregateId, 't-a', 'changing an appended event changed the stored one: store a copy');
    (first?.event as { aggregateId: string }).aggregateId = 'changed-after-read';
    const [again] = await storage.eventLog.readAfter(0, 1);
    assert.equal(again?.event.aggregateId, 't-a', 'changing a read event changed the stored one: return a copy');
  },

  'concurrency: two transactions saving one aggregate from the same version: exactly one wins': async (storage) => {
    const f = new Fixtures();
    await seed(storage, f.template('t-a', 10));
    const [mine, theirs] = await read(storage, (tx) => Promise.all([tx.templates.get('t-a'), tx.templates.get('t-a')]));
    assert.ok(mine && theirs, 'the seeded template is missing');
    mine.update({ maxNumber: 20 }, f.at(1));
    theirs.update({ maxNumber: 30 }, f.at(1));
    const settled = await within(
      WAIT_MS,
      Promise.allSettled(
        [mine, theirs].map((template) =>
          storage.unitOfWork.transaction(async (tx) => {
            await tx.templates.save(template, 1);
            tx.outbox.append(template.pullEvents());
            await pause(5);
            return template.maxNumber;
          }),
        ),
      ),
      'two concurrent saves of one template',
    );
    const won = settled.filter((s): s is PromiseFulfilledResult<number> => s.status === 'fulfilled');
    const lost = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
    assert.equal(won.length, 1, `expected exactly one of two concurrent saves at expectedVersion 1 to commit, but ${won.length} did`);
    await expectCode(Promise.reject(lost[0]?.reason), 'CONCURRENCY_CONFLICT', 'the losing concurrent save');
    const stored = await read(storage, (tx) => tx.templates.get('t-a'));
    assert.equal(stored?.maxNumber, won[0]?.value, 'the stored template is not the one the winner saved');
    assert.equal(await storage.eventLog.head(), 2, 'only the winner\'s event should follow the seed event in the log');
  },

  'locks: transactions taking the same key run one after another': async (storage) => {
    const steps: string[] = [];
    const held = gate();
    const first = storage.unitOfWork.transaction(async (tx) => {
      await tx.lock('capacity:t-a');
      steps.push('first locked');
      held.open();
      await pause(30);
      steps.push('first done');
    });
    await within(WAIT_MS, held.opened, 'the first transaction taking a free lock');
    const second = storage.unitOfWork.transaction(async (tx) => {
      await tx.lock('capacity:t-a');
      steps.push('second locked');
    });
    await within(WAIT_MS, Promise.all([first, second]), 'two transactions taking the same lock');
    assert.deepEqual(steps, ['first locked', 'first done', 'second locked'], 'the second transaction got the lock while the first still held it');
  },

  'locks: a lock is released when its transaction rolls back': async (storage) => {
    await assert.rejects(
      storage.unitOfWork.transaction(async (tx) => {
        await tx.lock('capacity:t-a');
        throw new Error('abandon');
      }),
    );
    await within(WAIT_MS, storage.unitOfWork.transaction((tx) => tx.lock('capacity:t-a')), 'taking a lock after its holder rolled back');
  },

  'locks: different keys do not block each other': async (storage) => {
    const bothHeld = { a: gate(), b: gate() };
    const a = storage.unitOfWork.transaction(async (tx) => {
      await tx.lock('capacity:t-a');
      bothHeld.a.open();
      await bothHeld.b.opened;
    });
    const b = storage.unitOfWork.transaction(async (tx) => {
      await tx.lock('capacity:t-b');
      bothHeld.b.open();
      await bothHeld.a.opened;
    });
    await within(WAIT_MS, Promise.all([a, b]), 'two transactions holding different keys at once');
  },
};
