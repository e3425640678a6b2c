import assert from 'node:assert/strict';
import type { ReadModelDocument, ReadModelQuery } from '../../storage/read-model-store';
import type { Storage } from '../../storage/storage';
import type { CaseBody } from './aggregate.cases';
import { expectCode } from './fixtures';

const C = 'contract_docs';

interface Doc extends ReadModelDocument {
  status?: string | null;
  size?: number | null;
  at?: string;
  active?: boolean;
  machine?: { status: string; zone?: string };
}

const DOCS: Doc[] = [
  { id: 'd1', status: 'running', size: 3, at: '2026-01-01T00:00:01Z', active: true, machine: { status: 'up', zone: 'a' } },
  { id: 'd2', status: 'pending', size: 1, at: '2026-01-01T00:00:02Z', active: false, machine: { status: 'down', zone: 'b' } },
  { id: 'd3', status: 'running', size: 2, at: '2026-01-01T00:00:03Z', active: true, machine: { status: 'up', zone: 'b' } },
  { id: 'd4', status: null, size: 5, at: '2026-01-01T00:00:04Z', active: false },
  { id: 'd5', status: 'failed', size: null, at: '2026-01-01T00:00:05Z', active: true, machine: { status: 'down' } },
];

async function putAll(storage: Storage, docs: readonly ReadModelDocument[] = DOCS): Promise<void> {
  for (const doc of docs) await storage.readModels.put(C, doc);
}

async function ids(storage: Storage, query: ReadModelQuery): Promise<string[]> {
  const page = await storage.readModels.query<Doc>(C, { sort: [{ field: 'id', direction: 'asc' }], ...query });
  return page.items.map((d) => d.id);
}

function describeQuery(query: ReadModelQuery): string {
  return JSON.stringify(query);
}

async function expectIds(storage: Storage, query: ReadModelQuery, expected: string[]): Promise<void> {
  assert.deepEqual(await ids(storage, query), expected, `query ${describeQuery(query)} returned the wrong documents`);
}

/** Read-model documents, filters, sorting, paging and limits. */
export const readModelCases: Record<string, CaseBody> = {
  'read models: put then get returns an equal document; an unknown id is undefined': async (storage) => {
    await storage.readModels.put(C, DOCS[0] as Doc);
    assert.deepEqual(await storage.readModels.get(C, 'd1'), DOCS[0], 'get returned a document different from the one put');
    assert.equal(await storage.readModels.get(C, 'missing'), undefined, 'get of an unknown id should be undefined');
  },

  'read models: put replaces the document with the same id': async (storage) => {
    await storage.readModels.put(C, { id: 'd1', status: 'running', extra: 1 });
    await storage.readModels.put(C, { id: 'd1', status: 'failed' });
    assert.deepEqual(await storage.readModels.get(C, 'd1'), { id: 'd1', status: 'failed' }, 'put should replace the whole document, not merge');
    assert.equal((await storage.readModels.query(C, {})).total, 1, 'a replaced document is counted twice');
  },

  'read models: delete removes the document; deleting an unknown id is harmless': async (storage) => {
    await putAll(storage);
    await storage.readModels.delete(C, 'd2');
    await storage.readModels.delete(C, 'missing');
    assert.equal(await storage.readModels.get(C, 'd2'), undefined, 'a deleted document can still be read');
    await expectIds(storage, {}, ['d1', 'd3', 'd4', 'd5']);
  },

  'read models: getMany returns the existing documents in the order asked': async (storage) => {
    await putAll(storage);
    const found = await storage.readModels.getMany<Doc>(C, ['d3', 'missing', 'd1']);
    assert.deepEqual(found.map((d) => d.id), ['d3', 'd1'], 'getMany should skip missing ids and keep the order asked');
  },

  'read models: collections are separate': async (storage) => {
    await storage.readModels.put('contract_a', { id: 'x', n: 1 });
    await storage.readModels.put('contract_b', { id: 'x', n: 2 });
    assert.equal((await storage.readModels.get<{ id: string; n: number }>('contract_a', 'x'))?.n, 1, 'a put in one collection replaced a document of another');
    assert.equal((await storage.readModels.query('contract_c', {})).total, 0, 'an unused collection should be empty');
  },

  'isolation: mutating a passed or returned document changes nothing stored': async (storage) => {
    const doc = { id: 'd1', status: 'running', machine: { status: 'up' } };
    await storage.readModels.put(C, doc);
    doc.machine.status = 'changed-after-put';
    const got = await storage.readModels.get<typeof doc>(C, 'd1');
    assert.equal(got?.machine.status, 'up', 'changing a document after put changed the stored one: store a copy');
    if (got) got.machine.status = 'changed-after-get';
    const page = await storage.readModels.query<typeof doc>(C, {});
    assert.equal(page.items[0]?.machine.status, 'up', 'changing a document returned by get changed the stored one: return a copy');
    const [queried] = page.items;
    if (queried) queried.status = 'changed-after-query';
    assert.equal((await storage.readModels.get<typeof doc>(C, 'd1'))?.status, 'running', 'changing a document returned by query changed the stored one');
  },

  'query: eq matches strings, numbers, booleans and null': async (storage) => {
    await putAll(storage);
    await expectIds(storage, { filters: [{ field: 'status', eq: 'running' }] }, ['d1', 'd3']);
    await expectIds(storage, { filters: [{ field: 'size', eq: 2 }] }, ['d3']);
    await expectIds(storage, { filters: [{ field: 'active', eq: false }] }, ['d2', 'd4']);
    await expectIds(storage, { filters: [{ field: 'status', eq: null }] }, ['d4']);
    await expectIds(storage, { filters: [{ field: 'size', eq: '2' }] }, []);
  },

  'query: in matches any of the values': async (storage) => {
    await putAll(storage);
    await expectIds(storage, { filters: [{ field: 'status', in: ['pending', 'failed'] }] }, ['d2', 'd5']);
    await expectIds(storage, { filters: [{ field: 'status', in: [] }] }, []);
  },

  'query: gt keeps values strictly above the bound': async (storage) => {
    await putAll(storage);
    await expectIds(storage, { filters: [{ field: 'size', gt: 2 }] }, ['d1', 'd4']);
    await expectIds(storage, { filters: [{ field: 'at', gt: '2026-01-01T00:00:04Z' }] }, ['d5']);
  },

  'query: gte keeps values at or above the bound': async (storage) => {
    await putAll(storage);
    await expectIds(storage, { filters: [{ field: 'size', gte: 3 }] }, ['d1', 'd4']);
    await expectIds(storage, { filters: [{ field: 'at', gte: '2026-01-01T00:00:04Z' }] }, ['d4', 'd5']);
  },

  'query: lt keeps values strictly below the bound': async (storage) => {
    await putAll(storage);
    await expectIds(storage, { filters: [{ field: 'size', lt: 3 }] }, ['d2', 'd3']);
    await expectIds(storage, { filters: [{ field: 'at', lt: '2026-01-01T00:00:02Z' }] }, ['d1']);
  },

  'query: lte keeps values at or below the bound, and bounds combine': async (storage) => {
    await putAll(storage);
    await expectIds(storage, { filters: [{ field: 'size', lte: 2 }] }, ['d2', 'd3']);
    await expectIds(storage, { filters: [{ field: 'size', gte: 2, lte: 3 }] }, ['d1', 'd3']);
  },

  'query: filters and sorts reach nested fields': async (storage) => {
    await putAll(storage);
    await expectIds(storage, { filters: [{ field: 'machine.status', eq: 'up' }] }, ['d1', 'd3']);
    await expectIds(storage, { filters: [{ field: 'machine.zone', in: ['b'] }] }, ['d2', 'd3']);
    const page = await storage.readModels.query<Doc>(C, { filters: [{ field: 'machine.zone', gte: 'a' }], sort: [{ field: 'machine.zone', direction: 'desc' }, { field: 'id', direction: 'asc' }] });
    assert.deepEqual(page.items.map((d) => d.id), ['d2', 'd3', 'd1'], 'sorting by the nested field machine.zone (desc) is wrong');
  },

  'query: every filter must hold': async (storage) => {
    await putAll(storage);
    await expectIds(storage, { filters: [{ field: 'status', eq: 'running' }, { field: 'size', lt: 3 }] }, ['d3']);
    await expectIds(storage, { filters: [{ field: 'active', eq: true }, { field: 'status', in: ['failed', 'pending'] }] }, ['d5']);
  },

  'query: equality results follow put and delete': async (storage) => {
    await putAll(storage);
    await expectIds(storage, { filters: [{ field: 'status', eq: 'running' }] }, ['d1', 'd3']);
    await storage.readModels.put(C, { ...(DOCS[0] as Doc), status: 'failed' });
    await storage.readModels.put(C, { id: 'd6', status: 'running' });
    await storage.readModels.delete(C, 'd3');
    await expectIds(storage, { filters: [{ field: 'status', eq: 'running' }] }, ['d6']);
    await expectIds(storage, { filters: [{ field: 'status', in: ['failed'] }] }, ['d1', 'd5']);
  },

  'query: sorts by several keys, ascending and descending': async (storage) => {
    await putAll(storage);
    const page = await storage.readModels.query<Doc>(C, {
      filters: [{ field: 'status', in: ['running', 'pending', 'failed'] }],
      sort: [{ field: 'active', direction: 'desc' }, { field: 'size', direction: 'desc' }],
    });
    assert.deepEqual(page.items.map((d) => d.id), ['d1', 'd3', 'd5', 'd2'], 'sort by active desc, then size desc is wrong');
    const asc = await storage.readModels.query<Doc>(C, { sort: [{ field: 'at', direction: 'asc' }] });
    assert.deepEqual(asc.items.map((d) => d.id), ['d1', 'd2', 'd3', 'd4', 'd5'], 'sort by at asc is wrong');
  },

  'query: null and missing values sort first ascending and last descending': async (storage) => {
    await putAll(storage);
    const asc = await storage.readModels.query<Doc>(C, { sort: [{ field: 'size', direction: 'asc' }] });
    assert.deepEqual(asc.items.map((d) => d.id), ['d5', 'd2', 'd3', 'd1', 'd4'], 'ascending sort should put the null size first');
    const desc = await storage.readModels.query<Doc>(C, { sort: [{ field: 'size', direction: 'desc' }] });
    assert.deepEqual(desc.items.map((d) => d.id), ['d4', 'd1', 'd3', 'd2', 'd5'], 'descending sort should put the null size last');
    const zones = await storage.readModels.query<Doc>(C, { filters: [{ field: 'id', in: ['d1', 'd4'] }], sort: [{ field: 'machine.zone', direction: 'asc' }] });
    assert.deepEqual(zones.items.map((d) => d.id), ['d4', 'd1'], 'ascending sort should put a document without the field first');
  },

  'query: limit and offset page the sorted matches; total counts every match': async (storage) => {
    await putAll(storage, Array.from({ length: 25 }, (_, i) => ({ id: `p${String(i).padStart(2, '0')}`, n: i, even: i % 2 === 0 })));
    const sort = [{ field: 'n', direction: 'asc' as const }];
    const first = await storage.readModels.query<{ id: string; n: number }>(C, { filters: [{ field: 'even', eq: true }], sort, limit: 5 });
    assert.deepEqual(first.items.map((d) => d.n), [0, 2, 4, 6, 8], 'the first page of even documents is wrong');
    assert.equal(first.total, 13, 'total should count every match, not the page');
    const later = await storage.readModels.query<{ id: string; n: number }>(C, { filters: [{ field: 'even', eq: true }], sort, limit: 5, offset: 10 });
    assert.deepEqual(later.items.map((d) => d.n), [20, 22, 24], 'the last page (offset 10) is wrong');
    assert.equal(later.total, 13, 'total should not depend on offset');
    const beyond = await storage.readModels.query(C, { sort, offset: 100 });
    assert.deepEqual([beyond.items, beyond.total], [[], 25], 'an offset past the end should give no items and the full total');
  },

  'query: limit defaults to 50': async (storage) => {
    await putAll(storage, Array.from({ length: 60 }, (_, i) => ({ id: `p${String(i).padStart(2, '0')}` })));
    const page = await storage.readModels.query(C, {});
    assert.equal(page.items.length, 50, `a query without limit returned ${page.items.length} documents instead of 50`);
    assert.equal(page.total, 60, 'total should count every document');
  },

  'query: a limit outside 1..1000 or a negative offset fails with VALIDATION_FAILED naming the field': async (storage) => {
    for (const limit of [0, 1001, 2.5]) {
      const error = await expectCode(storage.readModels.query(C, { limit }), 'VALIDATION_FAILED', `query with limit ${limit}`);
      assert.match(error.message, /limit/, `the error for limit ${limit} should name "limit": ${error.message}`);
    }
    const error = await expectCode(storage.readModels.query(C, { offset: -1 }), 'VALIDATION_FAILED', 'query with offset -1');
    assert.match(error.message, /offset/, `the error for offset -1 should name "offset": ${error.message}`);
    assert.equal((await storage.readModels.query(C, { limit: 1000 })).total, 0, 'limit 1000 should be accepted');
    assert.equal((await storage.readModels.query(C, { limit: 1 })).total, 0, 'limit 1 should be accepted');
  },

  'query: returns a page of 1,000 documents': async (storage) => {
    await putAll(storage, Array.from({ length: 1200 }, (_, i) => ({ id: `p${String(i).padStart(4, '0')}`, n: i, group: i % 2 === 0 ? 'even' : 'odd' })));
    const all = await storage.readModels.query<{ id: string; n: number }>(C, { sort: [{ field: 'n', direction: 'desc' }], limit: 1000 });
    assert.equal(all.items.length, 1000, `limit 1000 returned ${all.items.length} documents`);
    assert.equal(all.total, 1200, 'total of the large query is wrong');
    assert.equal(all.items[0]?.n, 1199, 'the large page is not sorted');
    assert.equal(all.items[999]?.n, 200, 'the large page does not end where it should');
    const even = await storage.readModels.query(C, { filters: [{ field: 'group', eq: 'even' }], limit: 1000 });
    assert.deepEqual([even.items.length, even.total], [600, 600], 'an equality filter over the large collection is wrong');
  },
};
