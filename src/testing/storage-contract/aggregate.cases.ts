import assert from 'node:assert/strict';
import type { Storage } from '../../storage/storage';
import { Fixtures, expectCode, idsOf, read, seed } from './fixtures';

/** A contract case body; it receives a fresh storage. */
export type CaseBody = (storage: Storage) => Promise<void>;

const TEMPLATE = 't-a';

/** Saves, reads and finders of the three repositories. */
export const aggregateCases: Record<string, CaseBody> = {
  'templates: a saved template reads back equal, at its new version': async (storage) => {
    const f = new Fixtures();
    const template = f.template('t-a');
    await seed(storage, template);
    const stored = await read(storage, (tx) => tx.templates.get('t-a'));
    assert.ok(stored, 'templates.get("t-a") returned undefined after the insert committed');
    assert.deepEqual(stored.toSnapshot(), template.toSnapshot(), 'the stored template differs from the one saved');
    assert.equal(stored.version, 1, 'a created template should be stored at version 1');
    assert.equal(await read(storage, (tx) => tx.templates.get('t-unknown')), undefined, 'templates.get of an unknown id should be undefined');
  },

  'templates: getMany returns those that exist, in the order asked': async (storage) => {
    const f = new Fixtures();
    await seed(storage, f.template('t-a'), f.template('t-b'), f.template('t-c'));
    const found = await read(storage, (tx) => tx.templates.getMany(['t-c', 't-missing', 't-a']));
    assert.deepEqual(found.map((t) => t.templateId), ['t-c', 't-a'], 'getMany should skip missing ids and keep the order asked');
  },

  'templates: list returns every template ordered by id': async (storage) => {
    const f = new Fixtures();
    await seed(storage, f.template('t-b'), f.template('t-c'));
    await seed(storage, f.template('t-a'));
    const listed = await read(storage, (tx) => tx.templates.list());
    assert.deepEqual(listed.map((t) => t.templateId), ['t-a', 't-b', 't-c'], 'list should return every template ordered by id');
  },

  'templates: an update at the stored version replaces the stored state': async (storage) => {
    const f = new Fixtures();
    await seed(storage, f.template('t-a', 10));
    await storage.unitOfWork.transaction(async (tx) => {
      const template = await tx.templates.get('t-a');
      assert.ok(template, 'the seeded template is missing');
      const read = template.version;
      template.update({ maxNumber: 20 }, f.at(60));
      await tx.templates.save(template, read);
    });
    const stored = await read(storage, (tx) => tx.templates.get('t-a'));
    assert.equal(stored?.maxNumber, 20, 'the update was not stored');
    assert.equal(stored?.version, 2, 'the updated template should be stored at version 2');
  },

  'templates: delete at the stored version removes the template': async (storage) => {
    const f = new Fixtures();
    await seed(storage, f.template('t-a'), f.template('t-b'));
    await storage.unitOfWork.transaction((tx) => tx.templates.delete('t-a', 1));
    assert.equal(await read(storage, (tx) => tx.templates.get('t-a')), undefined, 'a deleted template can still be read');
    const listed = await read(storage, (tx) => tx.templates.list());
    assert.deepEqual(listed.map((t) => t.templateId), ['t-b'], 'a deleted template is still listed');
  },

  'templates: delete at a stale version fails with CONCURRENCY_CONFLICT and keeps the template': async (storage) => {
    const f = new Fixtures();
    await seed(storage, f.template('t-a'));
    await expectCode(storage.unitOfWork.transaction((tx) => tx.templates.delete('t-a', 7)), 'CONCURRENCY_CONFLICT', 'delete at version 7 of a template at version 1');
    assert.ok(await read(storage, (tx) => tx.templates.get('t-a')), 'a delete that conflicted removed the template anyway');
  },

  'requests: acquire and return requests read back equal': async (storage) => {
    const f = new Fixtures();
    const acquire = f.acquire(TEMPLATE);
    const ret = f.returnOf(['i-1', 'i-2']);
    await seed(storage, acquire, ret);
    const [a, r] = await read(storage, (tx) => Promise.all([tx.requests.get(acquire.requestId), tx.requests.get(ret.requestId)]));
    assert.deepEqual(a?.toSnapshot(), acquire.toSnapshot(), 'the stored acquire request differs from the one saved');
    assert.deepEqual(r?.toSnapshot(), ret.toSnapshot(), 'the stored return request differs from the one saved');
  },

  'requests: a request whose release began reads back with its release, and a later confirmation replaces it': async (storage) => {
    const f = new Fixtures();
    const acquire = f.acquire(TEMPLATE);
    acquire.cancel('Abandoned: nobody asked', f.at(900));
    acquire.beginRelease(new Date(f.at(2700).now), f.at(900));
    await seed(storage, acquire);
    const stored = await read(storage, (tx) => tx.requests.get(acquire.requestId));
    assert.deepEqual(stored?.toSnapshot(), acquire.toSnapshot(), 'the stored request lost or changed its release (store the whole snapshot)');
    assert.equal(stored?.releasePending, true, 'the stored request should still be releasing');
    const before = stored!.version;
    assert.equal(stored!.confirmRelease([], f.at(2700)), true);
    await storage.unitOfWork.transaction((tx) => tx.requests.save(stored!, before));
    const confirmed = await read(storage, (tx) => tx.requests.get(acquire.requestId));
    assert.deepEqual(confirmed?.release, stored!.release, 'the confirmed release did not replace the stored one');
  },

  'requests: getMany returns those that exist, in the order asked': async (storage) => {
    const f = new Fixtures();
    const [r1, r2] = [f.acquire(TEMPLATE), f.acquire(TEMPLATE)];
    await seed(storage, r1, r2);
    const found = await read(storage, (tx) => tx.requests.getMany([r2.requestId, 'req-missing', r1.requestId]));
    assert.deepEqual(found.map((r) => r.requestId), [r2.requestId, r1.requestId], 'getMany should skip missing ids and keep the order asked');
  },

  'requests: findOpenByTemplate returns the pending and in-progress requests of that template only': async (storage) => {
    const f = new Fixtures();
    const pending = f.acquire('t-a');
    const running = f.acquire('t-a');
    running.start(f.at(1));
    const cancelled = f.acquire('t-a');
    cancelled.cancel('not needed', f.at(1));
    const other = f.acquire('t-b');
    await seed(storage, pending, running, cancelled, other, f.returnOf(['i-1']));
    const open = await read(storage, (tx) => tx.requests.findOpenByTemplate('t-a'));
    assert.deepEqual(idsOf(open), idsOf([pending, running]), 'findOpenByTemplate("t-a") should return exactly its pending and in-progress requests');
  },

  'requests: findOpenByTemplate drops a request once it is terminal': async (storage) => {
    const f = new Fixtures();
    const request = f.acquire('t-a');
    await seed(storage, request);
    await storage.unitOfWork.transaction(async (tx) => {
      const loaded = await tx.requests.get(request.requestId);
      assert.ok(loaded, 'the seeded request is missing');
      loaded.cancel('not needed', f.at(5));
      await tx.requests.save(loaded, 1);
    });
    const open = await read(storage, (tx) => tx.requests.findOpenByTemplate('t-a'));
    assert.deepEqual(open, [], 'a cancelled request is still found by findOpenByTemplate: the finder does not follow status changes');
  },

  'requests: findByIdempotencyKey finds the request created with that key': async (storage) => {
    const f = new Fixtures();
    const keyed = f.withIdempotencyKey(f.acquire(TEMPLATE), 'key-1');
    await seed(storage, keyed, f.acquire(TEMPLATE));
    const found = await read(storage, (tx) => tx.requests.findByIdempotencyKey('key-1'));
    assert.equal(found?.requestId, keyed.requestId, 'findByIdempotencyKey("key-1") did not return the request stored with that key');
    assert.equal(await read(storage, (tx) => tx.requests.findByIdempotencyKey('key-2')), undefined, 'findByIdempotencyKey of an unused key should be undefined');
  },

  'requests: findByStatus returns matches oldest first, by type, at most limit': async (storage) => {
    const f = new Fixtures();
    const late = f.acquire(TEMPLATE, 30);
    const early = f.acquire(TEMPLATE, 10);
    const middle = f.returnOf(['i-1'], 20);
    const started = f.acquire(TEMPLATE, 5);
    started.start(f.at(6));
    await seed(storage, late, early, middle, started);
    const pending = await read(storage, (tx) => tx.requests.findByStatus(['pending']));
    assert.deepEqual(pending.map((r) => r.requestId), [early, middle, late].map((r) => r.requestId), 'findByStatus(["pending"]) should list every pending request, oldest first');
    const both = await read(storage, (tx) => tx.requests.findByStatus(['pending', 'in_progress'], { limit: 2 }));
    assert.deepEqual(both.map((r) => r.requestId), [started, early].map((r) => r.requestId), 'findByStatus with limit 2 should return the two oldest matches');
    const returns = await read(storage, (tx) => tx.requests.findByStatus(['pending'], { type: 'return' }));
    assert.deepEqual(returns.map((r) => r.requestId), [middle.requestId], 'findByStatus with type "return" should return only return requests');
  },

  'machines: a saved machine reads back equal; getMany keeps the order asked': async (storage) => {
    const f = new Fixtures();
    const owner = f.acquire(TEMPLATE);
    const m1 = f.machine('i-1', owner.requestId, TEMPLATE, { name: 'host-1', privateIpAddress: '10.0.0.1' });
    const m2 = f.machine('i-2', owner.requestId, TEMPLATE);
    await seed(storage, m1, m2);
    const stored = await read(storage, (tx) => tx.machines.get('i-1'));
    assert.deepEqual(stored?.toSnapshot(), m1.toSnapshot(), 'the stored machine differs from the one saved');
    const many = await read(storage, (tx) => tx.machines.getMany(['i-2', 'i-9', 'i-1']));
    assert.deepEqual(many.map((m) => m.machineId), ['i-2', 'i-1'], 'getMany should skip missing ids and keep the order asked');
  },

  'machines: findByRequest and findByReturnRequest return the machines of that request': async (storage) => {
    const f = new Fixtures();
    const [a, b] = [f.acquire(TEMPLATE), f.acquire(TEMPLATE)];
    const ret = f.returnOf(['i-1']);
    const m1 = f.machine('i-1', a.requestId, TEMPLATE);
    m1.markReturnRequested(ret.requestId, f.at(1));
    await seed(storage, m1, f.machine('i-2', a.requestId, TEMPLATE), f.machine('i-3', b.requestId, TEMPLATE));
    const ofA = await read(storage, (tx) => tx.machines.findByRequest(a.requestId));
    assert.deepEqual(idsOf(ofA), ['i-1', 'i-2'], 'findByRequest should return exactly the machines created by that request');
    const returned = await read(storage, (tx) => tx.machines.findByReturnRequest(ret.requestId));
    assert.deepEqual(idsOf(returned), ['i-1'], 'findByReturnRequest should return exactly the machines named by that return request');
  },

  'machines: findByName returns every machine with that host name': async (storage) => {
    const f = new Fixtures();
    const owner = f.acquire(TEMPLATE);
    await seed(
      storage,
      f.machine('i-1', owner.requestId, TEMPLATE, { name: 'host-a', status: 'terminated' }),
      f.machine('i-2', owner.requestId, TEMPLATE, { name: 'host-a' }),
      f.machine('i-3', owner.requestId, TEMPLATE, { name: 'host-b' }),
      f.machine('i-4', owner.requestId, TEMPLATE),
    );
    const named = await read(storage, (tx) => tx.machines.findByName('host-a'));
    assert.deepEqual(idsOf(named), ['i-1', 'i-2'], 'findByName("host-a") should return both machines that carry the name');
    assert.deepEqual(await read(storage, (tx) => tx.machines.findByName('host-z')), [], 'findByName of an unused name should be empty');
  },

  'machines: findByTemplate filters by template and, when given, statuses': async (storage) => {
    const f = new Fixtures();
    const owner = f.acquire('t-a');
    await seed(
      storage,
      f.machine('i-1', owner.requestId, 't-a', { status: 'running' }),
      f.machine('i-2', owner.requestId, 't-a'),
      f.machine('i-3', owner.requestId, 't-a', { status: 'terminated' }),
      f.machine('i-4', owner.requestId, 't-b', { status: 'running' }),
    );
    const all = await read(storage, (tx) => tx.machines.findByTemplate('t-a'));
    assert.deepEqual(idsOf(all), ['i-1', 'i-2', 'i-3'], 'findByTemplate("t-a") without statuses should return every machine of the template');
    const live = await read(storage, (tx) => tx.machines.findByTemplate('t-a', ['pending', 'running']));
    assert.deepEqual(idsOf(live), ['i-1', 'i-2'], 'findByTemplate("t-a", [pending, running]) should return only machines in those statuses');
  },

  'machines: findByStatus follows status changes and honours limit': async (storage) => {
    const f = new Fixtures();
    const owner = f.acquire(TEMPLATE);
    await seed(storage, f.machine('i-1', owner.requestId, TEMPLATE), f.machine('i-2', owner.requestId, TEMPLATE), f.machine('i-3', owner.requestId, TEMPLATE, { status: 'running' }));
    await storage.unitOfWork.transaction(async (tx) => {
      const machine = await tx.machines.get('i-1');
      assert.ok(machine, 'the seeded machine is missing');
      machine.report({ status: 'running' }, f.at(10));
      await tx.machines.save(machine, 1);
    });
    const pending = await read(storage, (tx) => tx.machines.findByStatus(['pending']));
    assert.deepEqual(idsOf(pending), ['i-2'], 'findByStatus(["pending"]) should no longer return a machine that moved to running');
    const running = await read(storage, (tx) => tx.machines.findByStatus(['running']));
    assert.deepEqual(idsOf(running), ['i-1', 'i-3'], 'findByStatus(["running"]) should return the machine that moved to running');
    const limited = await read(storage, (tx) => tx.machines.findByStatus(['pending', 'running'], { limit: 2 }));
    assert.equal(limited.length, 2, `findByStatus with limit 2 returned ${limited.length} machines`);
  },

  'isolation: mutating a saved or a returned aggregate changes nothing stored': async (storage) => {
    const f = new Fixtures();
    const template = f.template('t-a', 10);
    await seed(storage, template);
    template.update({ maxNumber: 99 }, f.at(1));
    const first = await read(storage, (tx) => tx.templates.get('t-a'));
    assert.equal(first?.maxNumber, 10, 'changing the instance after save changed the stored template: store a copy, not the instance');
    first?.update({ maxNumber: 55 }, f.at(2));
    const second = await read(storage, (tx) => tx.templates.get('t-a'));
    assert.equal(second?.maxNumber, 10, 'changing a returned template changed the stored one: return a copy');
    assert.equal(second?.version, 1, 'an unsaved change altered the stored version');
  },
};
