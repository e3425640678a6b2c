import assert from 'node:assert/strict';
import type { ReadModelDocument } from '../../storage/read-model-store';
import type { CaseBody } from './aggregate.cases';
import { Fixtures, expectCode, staleTemplate, read, seed } from './fixtures';

const C = 'contract_strict';

/**
 * Rules an adapter can break while every happy path still works: a swallowed conflict, duplicate
 * ids, ranges across types, tie order and the `_position` fence.
 */
export const strictnessCases: Record<string, CaseBody> = {
  'conflicts: a conflict that work catches still fails the transaction and writes nothing': async (storage) => {
    const f = new Fixtures();
    await seed(storage, f.template('t-a', 10));
    const stale = await staleTemplate(storage, f, 't-a');
    const headBefore = await storage.eventLog.head();
    await expectCode(
      storage.unitOfWork.transaction(async (tx) => {
        const created = f.template('t-new');
        await tx.templates.save(created, 0);
        tx.outbox.append(created.pullEvents());
        stale.update({ maxNumber: 30 }, f.at(2));
        // The work swallows whatever the stale save throws, as a careless caller would.
        await tx.templates.save(stale, 1).catch(() => undefined);
        return 'resolved';
      }),
      'CONCURRENCY_CONFLICT',
      'a transaction whose work caught the CONCURRENCY_CONFLICT of a stale save and resolved (the whole transaction must write nothing, so it must still fail)',
    );
    assert.equal(await read(storage, (tx) => tx.templates.get('t-new')), undefined, 'a transaction whose work swallowed a conflict committed its other saves');
    assert.equal(await storage.eventLog.head(), headBefore, 'a transaction whose work swallowed a conflict committed its events');
  },

  'repositories: getMany returns each id once, even when asked twice': async (storage) => {
    const f = new Fixtures();
    const owner = f.acquire('t-a');
    await seed(storage, f.template('t-a'), f.template('t-b'), owner, f.machine('i-1', owner.requestId, 't-a'));
    const [templates, requests, machines] = await read(storage, (tx) =>
      Promise.all([tx.templates.getMany(['t-b', 't-a', 't-b']), tx.requests.getMany([owner.requestId, owner.requestId]), tx.machines.getMany(['i-1', 'i-1'])]),
    );
    assert.deepEqual(templates.map((t) => t.templateId), ['t-b', 't-a'], 'templates.getMany(["t-b", "t-a", "t-b"]) should return each template once, in the order first asked');
    assert.deepEqual(requests.map((r) => r.requestId), [owner.requestId], 'requests.getMany with one id twice should return the request once');
    assert.deepEqual(machines.map((m) => m.machineId), ['i-1'], 'machines.getMany(["i-1", "i-1"]) should return the machine once');
  },

  'read models: getMany returns each document once, even when asked twice': async (storage) => {
    await storage.readModels.put(C, { id: 'a' });
    await storage.readModels.put(C, { id: 'b' });
    const found = await storage.readModels.getMany(C, ['b', 'a', 'b', 'a']);
    assert.deepEqual(found.map((d) => d.id), ['b', 'a'], 'readModels.getMany(["b", "a", "b", "a"]) should return each document once, in the order first asked');
  },

  'query: ranges compare numbers with numbers and strings with strings only': async (storage) => {
    for (const doc of [{ id: 'n3', n: 3 }, { id: 'n10', n: 10 }, { id: 's10', n: '10' }, { id: 's3', n: '3' }, { id: 'b', n: true }, { id: 'z', n: null }]) {
      await storage.readModels.put(C, doc);
    }
    const cases: [Record<string, unknown>, string[]][] = [
      [{ gt: 5 }, ['n10']],
      [{ lte: 100 }, ['n10', 'n3']],
      [{ gte: '0' }, ['s10', 's3']],
      [{ lt: '2' }, ['s10']],
    ];
    for (const [bounds, expected] of cases) {
      const filter = { field: 'n', ...bounds } as { field: string; gt?: number };
      const page = await storage.readModels.query(C, { filters: [filter], sort: [{ field: 'id', direction: 'asc' }] });
      assert.deepEqual(
        page.items.map((d) => d.id),
        expected,
        `range ${JSON.stringify(bounds)} over n = 3, 10, "10", "3", true, null should match only values of the bound's type (no "10" > 5, no 10 >= "0")`,
      );
    }
  },

  'query: ties, and a query without sort, are ordered by ascending id, not by insertion': async (storage) => {
    for (const id of ['m', 'c', 'x', 'a']) await storage.readModels.put(C, { id, group: id === 'x' ? 'late' : 'tie' });
    const unsorted = await storage.readModels.query(C, {});
    assert.deepEqual(unsorted.items.map((d) => d.id), ['a', 'c', 'm', 'x'], 'a query without sort should return documents by ascending id, not in insertion order');
    const tied = await storage.readModels.query(C, { sort: [{ field: 'group', direction: 'desc' }] });
    assert.deepEqual(tied.items.map((d) => d.id), ['a', 'c', 'm', 'x'], 'documents with equal sort values should follow ascending id, not insertion order');
    const paged = await storage.readModels.query(C, { sort: [{ field: 'group', direction: 'desc' }], limit: 2, offset: 1 });
    assert.deepEqual(paged.items.map((d) => d.id), ['c', 'm'], 'paging through ties should follow ascending id');
  },

  'requests: finders order requests created at the same instant by id': async (storage) => {
    const f = new Fixtures();
    const [first, second, third] = [f.acquire('t-a', 5), f.acquire('t-a', 5), f.acquire('t-a', 5)];
    // Stored newest id first, so insertion order and id order differ.
    await seed(storage, third, second);
    await seed(storage, first);
    const byId = [first, second, third].map((r) => r.requestId).sort();
    const pending = await read(storage, (tx) => tx.requests.findByStatus(['pending']));
    assert.deepEqual(pending.map((r) => r.requestId), byId, 'findByStatus should order requests with equal createdAt by id, not insertion order');
    const open = await read(storage, (tx) => tx.requests.findOpenByTemplate('t-a'));
    assert.deepEqual(open.map((r) => r.requestId), byId, 'findOpenByTemplate should order requests with equal createdAt by id, not insertion order');
  },

  'read models: a put never replaces a document that carries a higher _position': async (storage) => {
    const put = (doc: ReadModelDocument): Promise<void> => storage.readModels.put(C, doc);
    await put({ id: 'd1', state: 'from event 42', _position: 42 });
    await put({ id: 'd1', state: 'from event 41', _position: 41 });
    assert.deepEqual(
      await storage.readModels.get(C, 'd1'),
      { id: 'd1', state: 'from event 42', _position: 42 },
      'a put with _position 41 replaced a document at _position 42: a slow replica replaying an old event must not undo a newer one',
    );
    await put({ id: 'd1', state: 'again from event 42', _position: 42 });
    await put({ id: 'd1', state: 'from event 43', _position: 43 });
    assert.equal((await storage.readModels.get<{ id: string; state: string }>(C, 'd1'))?.state, 'from event 43', 'a put with a higher _position must replace the document');
    // Positions that order one way as numbers and the other as text: an adapter comparing them as text fails here.
    for (const [low, high] of [[9, 10], [99, 100]] as const) {
      const id = `d-${low}`;
      await put({ id, state: `from event ${high}`, _position: high });
      await put({ id, state: `from event ${low}`, _position: low });
      assert.equal((await storage.readModels.get<{ id: string; state: string }>(C, id))?.state, `from event ${high}`, `a put with _position ${low} replaced a document at _position ${high}: positions are numbers, not text`);
      await put({ id: `${id}-up`, state: `from event ${low}`, _position: low });
      await put({ id: `${id}-up`, state: `from event ${high}`, _position: high });
      assert.equal((await storage.readModels.get<{ id: string; state: string }>(C, `${id}-up`))?.state, `from event ${high}`, `a put with _position ${high} did not replace a document at _position ${low}: positions are numbers, not text`);
    }
    await put({ id: 'd2', state: 'plain' });
    await put({ id: 'd2', state: 'plain again' });
    assert.equal((await storage.readModels.get<{ id: string; state: string }>(C, 'd2'))?.state, 'plain again', 'documents without _position must still be replaced by every put');
  },
};
