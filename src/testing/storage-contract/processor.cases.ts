import assert from 'node:assert/strict';
import type { DeadLetter, ProcessorStore } from '../../storage/processor-store';
import type { Storage } from '../../storage/storage';
import type { CaseBody } from './aggregate.cases';
import { Fixtures, expectCode, pause, read } from './fixtures';

/** The storage's processor store, or a failure that says what to implement (or how to opt out). */
function storeOf(storage: Storage): ProcessorStore {
  const store = storage.processors;
  assert.ok(
    store !== undefined,
    'storage.processors is missing: implement ProcessorStore (docs/processors.md), or pass { processors: false } to storageContract() to declare that this adapter has none (durable event handlers then refuse to start)',
  );
  return store;
}

/** Saves a new template `id` in the transaction: a write whose presence shows whether the transaction committed. */
function writeTemplate(f: Fixtures, id: string): Parameters<ProcessorStore['advance']>[2] {
  return async (tx) => tx.templates.save(f.template(id), 0);
}

async function exists(storage: Storage, id: string): Promise<boolean> {
  return (await read(storage, (tx) => tx.templates.get(id))) !== undefined;
}

function letter(processor: string, position: number, stream = 'request:r-1'): DeadLetter {
  const event = { type: 'RequestCreated', aggregateType: 'request', aggregateId: stream.slice(8), position } as unknown as DeadLetter['event'];
  return { processor, position, stream, event, attempts: 3, error: 'Error: boom', failedAt: '2026-01-01T00:00:00.000Z' };
}

/** Checkpoints, leases and dead letters (`storage.processors`). */
export const processorCases: Record<string, CaseBody> = {
  'processors: a new key is claimed at position 0; another owner is refused while the lease lives': async (storage) => {
    const store = storeOf(storage);
    const claim = await store.claim('billing', 'replica-a', 60_000);
    assert.ok(claim, 'the first claim of a new key should succeed');
    assert.equal(claim.position, 0, 'a new key starts at position 0');
    assert.equal(await store.claim('billing', 'replica-b', 60_000), undefined, 'a second owner must not get a live lease');
    const again = await store.claim('billing', 'replica-a', 60_000);
    assert.equal(again?.epoch, claim.epoch, 'the holder claiming again keeps its epoch');
    const [state] = await store.states('billing');
    assert.equal(state?.owner, 'replica-a', 'states() should name the holder');
    assert.ok((state?.leaseRemainingMs ?? 0) > 0, 'states() should show the lease time left');
  },

  'processors: advance commits the work and the checkpoint together, or neither': async (storage) => {
    const store = storeOf(storage);
    const f = new Fixtures();
    const claim = (await store.claim('billing', 'replica-a', 60_000))!;
    await store.advance(claim, 7, writeTemplate(f, 't-ok'));
    await assert.rejects(store.advance(claim, 9, async (tx) => {
      await writeTemplate(f, 't-failed')(tx);
      throw new Error('handler failed');
    }), /handler failed/, 'advance should reject with the work\'s error');
    assert.ok(await exists(storage, 't-ok'), 'the work of a committed advance must be kept');
    assert.equal(await exists(storage, 't-failed'), false, 'the work of a failed advance must not be kept');
    assert.equal((await store.states('billing'))[0]?.position, 7, 'the checkpoint must stay where the last committed advance put it');
    await store.advance(claim, 3, async () => undefined);
    assert.equal((await store.states('billing'))[0]?.position, 7, 'advance must never move a checkpoint backwards');
  },

  'processors: a stale holder is fenced out: its advance writes nothing once another replica took the expired lease': async (storage) => {
    const store = storeOf(storage);
    const f = new Fixtures();
    const stale = (await store.claim('billing#0', 'replica-a', 100))!;
    await pause(250);
    const fresh = await store.claim('billing#0', 'replica-b', 60_000);
    assert.ok(fresh, 'an expired lease must be claimable by another owner');
    assert.ok(fresh.epoch > stale.epoch, 'taking a lease over must increase the epoch');
    const error = await expectCode(store.advance(stale, 5, writeTemplate(f, 't-stale')), 'PROCESSOR_LEASE_LOST', 'advance with a stale claim');
    assert.equal(error.details.processor, 'billing#0', 'PROCESSOR_LEASE_LOST should name the key');
    assert.equal(await exists(storage, 't-stale'), false, 'a fenced-out advance must not keep its work');
    assert.equal(await store.renew(stale, 60_000), false, 'renew of a stale claim must report false');
    await store.release(stale);
    assert.equal((await store.states('billing'))[0]?.owner, 'replica-b', 'release of a stale claim must not free the new holder\'s lease');
  },

  'processors: renew extends a lease; release frees the key and keeps its checkpoint': async (storage) => {
    const store = storeOf(storage);
    const claim = (await store.claim('billing', 'replica-a', 300))!;
    await store.advance(claim, 4, async () => undefined);
    await pause(150);
    assert.equal(await store.renew(claim, 60_000), true, 'the holder must be able to renew');
    await pause(250);
    assert.equal(await store.claim('billing', 'replica-b', 60_000), undefined, 'a renewed lease must outlive its first term');
    await store.release(claim);
    const next = await store.claim('billing', 'replica-b', 60_000);
    assert.equal(next?.position, 4, 'after release another owner claims at once, from the stored checkpoint');
  },

  'processors: dead letters are recorded with the checkpoint, listed by name across partitions, and settled once': async (storage) => {
    const store = storeOf(storage);
    const f = new Fixtures();
    const p1 = (await store.claim('billing#1', 'replica-a', 60_000))!;
    const p0 = (await store.claim('billing#0', 'replica-a', 60_000))!;
    const other = (await store.claim('billing2', 'replica-a', 60_000))!;
    await store.advance(p1, 12, async () => undefined, [letter('billing#1', 12)]);
    await store.advance(p0, 5, async () => undefined, [letter('billing#0', 5, 'request:r-2')]);
    await store.advance(other, 3, async () => undefined, [letter('billing2', 3)]);
    const listed = await store.deadLetters('billing');
    assert.deepEqual(listed.map((l) => [l.processor, l.position]), [['billing#0', 5], ['billing#1', 12]], 'deadLetters(name) lists every partition of that name, in position order, and no other processor');
    // By content: under Jest the letter and the expectation come from different realms.
    assert.deepEqual(JSON.parse(JSON.stringify(listed[1])), JSON.parse(JSON.stringify(letter('billing#1', 12))), 'a dead letter must read back exactly as recorded');
    assert.equal((await store.states('billing'))[1]?.position, 12, 'the checkpoint moves past a dead letter in the same transaction');
    await store.settle('billing#1', 12, writeTemplate(f, 't-replayed'));
    assert.ok(await exists(storage, 't-replayed'), 'settle must keep its work');
    await expectCode(store.settle('billing#1', 12, writeTemplate(f, 't-twice')), 'DEAD_LETTER_NOT_FOUND', 'settling a letter twice');
    assert.equal(await exists(storage, 't-twice'), false, 'a refused settle must not keep its work');
    await assert.rejects(store.settle('billing#0', 5, async () => Promise.reject(new Error('still failing'))), /still failing/);
    assert.equal((await store.deadLetters('billing#0')).length, 1, 'a settle whose work fails must keep the letter');
  },

  'processors: reset moves a checkpoint back, fences the holder out and drops the letters above it': async (storage) => {
    const store = storeOf(storage);
    const claim = (await store.claim('billing', 'replica-a', 60_000))!;
    await store.advance(claim, 4, async () => undefined, [letter('billing', 4)]);
    await store.advance(claim, 9, async () => undefined, [letter('billing', 9)]);
    await store.reset('billing', 6);
    const [state] = await store.states('billing');
    assert.equal(state?.position, 6, 'reset should set the checkpoint');
    assert.equal(state?.owner, undefined, 'reset should free the lease');
    await expectCode(store.advance(claim, 10, async () => undefined), 'PROCESSOR_LEASE_LOST', 'advance after a reset');
    assert.deepEqual((await store.deadLetters('billing')).map((l) => l.position), [4], 'letters above the reset position are dropped (they will be delivered again)');
    const next = await store.claim('billing', 'replica-a', 60_000);
    assert.equal(next?.position, 6, 'the next claim starts from the reset position');
  },

  'processors: heartbeat counts the live members of a processor; leave and expiry end a membership': async (storage) => {
    const store = storeOf(storage);
    assert.equal(await store.heartbeat('billing', 'replica-a', 60_000), 1, 'the first member counts itself');
    assert.equal(await store.heartbeat('billing', 'replica-b', 60_000), 2, 'a second member sees both');
    assert.equal(await store.heartbeat('billing', 'replica-c', 100), 3, 'a third member sees all three');
    assert.equal(await store.heartbeat('billing2', 'replica-a', 60_000), 1, 'members are counted per processor name');
    assert.equal(await store.heartbeat('billing', 'replica-a', 60_000), 3, 'a heartbeat again does not count its member twice');
    await pause(250);
    assert.equal(await store.heartbeat('billing', 'replica-a', 60_000), 2, 'an expired membership no longer counts');
    await store.leave('billing', 'replica-b');
    assert.equal(await store.heartbeat('billing', 'replica-a', 60_000), 1, 'a member that left no longer counts');
  },

  'processors: a claim with a bad key, owner or lease is refused naming each field': async (storage) => {
    const store = storeOf(storage);
    const error = await expectCode(store.claim('bad name!', '', 0), 'VALIDATION_FAILED', 'claim with bad arguments');
    const paths = (error.details.issues as { path: string }[]).map((i) => i.path);
    assert.deepEqual(paths, ['processor', 'owner', 'leaseMs'], 'the error should name processor, owner and leaseMs');
    assert.equal((await store.states('bad name!')).length, 0, 'a refused claim must create nothing');
  },
};
