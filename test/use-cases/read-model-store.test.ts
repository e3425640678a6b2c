import { describe, expect, it } from 'vitest';
import { BatchedReadModelStore } from '../../src/application/read-models/batched-store';
import { COLLECTIONS, machinesProjection, releasesProjection, requestsProjection, templatesProjection } from '../../src/application/read-models/projections';
import { queryAll } from '../../src/application/read-models/query-all';
import type { DomainEvent } from '../../src/domain/shared/domain-event';
import type { StoredEvent } from '../../src/storage/event-log';
import type { ReadModelDocument, ReadModelQuery, ReadModelStore } from '../../src/storage/read-model-store';
import { createInMemoryStorage } from '../../src/testing';

/** An in-memory read-model store that records every call made to it. */
function recordingStore(): { store: ReadModelStore; inner: ReadModelStore; calls: string[]; puts: ReadModelDocument[]; queries: ReadModelQuery[] } {
  const inner = createInMemoryStorage().readModels;
  const calls: string[] = [];
  const puts: ReadModelDocument[] = [];
  const queries: ReadModelQuery[] = [];
  const store: ReadModelStore = {
    get: (collection, id) => (calls.push(`get ${collection} ${id}`), inner.get(collection, id)),
    getMany: (collection, ids) => (calls.push(`getMany ${collection} ${ids.join(',')}`), inner.getMany(collection, ids)),
    put: (collection, document) => (calls.push(`put ${collection} ${document.id}`), puts.push(document), inner.put(collection, document)),
    putMany: (collection, documents) => (calls.push(`putMany ${collection} ${documents.map((d) => d.id).join(',')}`), puts.push(...documents), inner.putMany!(collection, documents)),
    delete: (collection, id) => (calls.push(`delete ${collection} ${id}`), inner.delete(collection, id)),
    query: (collection, query) => (calls.push(`query ${collection}`), queries.push(query), inner.query(collection, query)),
  };
  return { store, inner, calls, puts, queries };
}

describe('BatchedReadModelStore', () => {
  it('answers getMany with the documents that exist, each once, in the order asked', async () => {
    const { store, inner } = recordingStore();
    await inner.putMany!('c', [{ id: 'a', n: 1 }, { id: 'b', n: 2 }]);
    const batched = new BatchedReadModelStore(store, ['a']);
    expect(await batched.getMany('c', ['b', 'missing', 'a', 'b'])).toEqual([{ id: 'b', n: 2 }, { id: 'a', n: 1 }]);
    expect(await batched.getMany('c', [])).toEqual([]);
  });

  it('loads the batch’s documents with one getMany and knows the missing ones are absent without another read', async () => {
    const { store, inner, calls } = recordingStore();
    await inner.put('c', { id: 'a', n: 1 });
    const batched = new BatchedReadModelStore(store, ['a', 'b']);
    expect(await batched.get('c', 'a')).toEqual({ id: 'a', n: 1 });
    expect(await batched.get('c', 'b')).toBeUndefined();
    expect(calls).toEqual(['getMany c a,b']);
  });

  it('reads a document outside the batch from the store, once', async () => {
    const { store, inner, calls } = recordingStore();
    await inner.put('c', { id: 'outside', n: 3 });
    const batched = new BatchedReadModelStore(store, ['a']);
    expect(await batched.get('c', 'outside')).toEqual({ id: 'outside', n: 3 });
    expect(await batched.get('c', 'outside')).toEqual({ id: 'outside', n: 3 });
    expect(await batched.get('c', 'nowhere')).toBeUndefined();
    expect(calls).toEqual(['getMany c a', 'get c outside', 'get c nowhere']);
  });

  it('keeps a document with a higher _position when an older one is put (the store’s position fence)', async () => {
    const { store, inner } = recordingStore();
    await inner.put('c', { id: 'a', _position: 5, v: 'new' });
    const batched = new BatchedReadModelStore(store, ['a']);
    await batched.put('c', { id: 'a', _position: 3, v: 'old' });
    expect(await batched.get('c', 'a')).toEqual({ id: 'a', _position: 5, v: 'new' });
    await batched.put('c', { id: 'a', _position: 6, v: 'newer' });
    expect(await batched.get('c', 'a')).toEqual({ id: 'a', _position: 6, v: 'newer' });
  });

  it('buffers putMany until flush and then writes each collection with one putMany', async () => {
    const { store, inner, calls } = recordingStore();
    const batched = new BatchedReadModelStore(store, []);
    await batched.putMany('c', [{ id: 'a' }, { id: 'b' }]);
    expect(await inner.get('c', 'a')).toBeUndefined();
    expect(await batched.get('c', 'b')).toEqual({ id: 'b' });
    await batched.flush();
    expect(await inner.getMany('c', ['a', 'b'])).toEqual([{ id: 'a' }, { id: 'b' }]);
    expect(calls.filter((c) => c.startsWith('put'))).toEqual(['putMany c a,b']);
  });

  it('deletes through to the store after writing what was pending, also in a collection it never read', async () => {
    const { store, inner, calls } = recordingStore();
    await inner.put('c', { id: 'a' });
    await inner.put('other', { id: 'x' });
    const batched = new BatchedReadModelStore(store, ['a']);
    expect(await batched.get('c', 'a')).toEqual({ id: 'a' });
    await batched.put('c', { id: 'b' });
    await batched.delete('c', 'a');
    expect(await batched.get('c', 'a')).toBeUndefined();
    expect(await inner.get('c', 'a')).toBeUndefined();
    expect(await inner.get('c', 'b')).toEqual({ id: 'b' });
    await batched.delete('other', 'x');
    expect(await inner.get('other', 'x')).toBeUndefined();
    expect(calls.slice(1)).toEqual(['get c b', 'put c b', 'delete c a', 'delete other x']);
  });

  it('answers a query from the store after writing what was pending', async () => {
    const { store } = recordingStore();
    const batched = new BatchedReadModelStore(store, []);
    await batched.put('c', { id: 'a', n: 1 });
    expect(await batched.query('c', { filters: [{ field: 'n', eq: 1 }] })).toEqual({ items: [{ id: 'a', n: 1 }], total: 1 });
  });
});

describe('queryAll', () => {
  it('reads every document in pages of 1000 ordered by id', async () => {
    const { store, inner, queries } = recordingStore();
    const ids = Array.from({ length: 1500 }, (_, i) => `doc-${String(1499 - i).padStart(4, '0')}`);
    await inner.putMany!('c', ids.map((id) => ({ id, kind: 'x' })));
    const all = await queryAll(store, 'c', [{ field: 'kind', eq: 'x' }]);
    expect(all.map((d) => d.id)).toEqual([...ids].sort());
    expect(queries.map((q) => [q.offset, q.limit])).toEqual([[0, 1000], [1000, 1000]]);
    expect(queries[0]).toEqual({ filters: [{ field: 'kind', eq: 'x' }], limit: 1000, offset: 0, sort: [{ field: 'id', direction: 'asc' }] });
  });

  it('stops after a full page that holds every match', async () => {
    const { store, inner, queries } = recordingStore();
    await inner.putMany!('c', Array.from({ length: 1000 }, (_, i) => ({ id: `doc-${String(i).padStart(4, '0')}` })));
    expect(await queryAll(store, 'c')).toHaveLength(1000);
    expect(queries).toHaveLength(1);
  });
});

let position = 0;
/** A stored event of `aggregateType`/`type` about `aggregateId` at the next position (or `at`). */
function stored(aggregateType: string, type: string, aggregateId: string, data: Record<string, unknown>, at = ++position): StoredEvent {
  const event = { eventId: `evt-${at}`, type, aggregateType, aggregateId, aggregateVersion: at, occurredAt: `2026-01-01T00:00:${String(at % 60).padStart(2, '0')}.000Z`, data };
  return { position: at, event: event as unknown as DomainEvent };
}

describe('the library projections', () => {
  it('record acknowledgement and completion counts on the request document', async () => {
    const { store } = recordingStore();
    const id = 'req-1';
    await requestsProjection.apply(stored('Request', 'RequestCreated', id, { request: { requestId: id, createdAt: '2026-01-01T00:00:00.000Z', timeoutSeconds: 60, status: 'pending' } }), store);
    await requestsProjection.apply(stored('Request', 'RequestAcknowledged', id, { acknowledgedAt: '2026-01-01T00:01:00.000Z' }), store);
    expect(await store.get('requests', id)).toMatchObject({ acknowledgedAt: '2026-01-01T00:01:00.000Z' });
    expect(await store.get('requests', id)).not.toHaveProperty('succeeded');
    await requestsProjection.apply(stored('Request', 'RequestCompleted', id, { status: 'complete', reason: '', succeeded: 2, failed: 1, completedAt: '2026-01-01T00:02:00.000Z' }), store);
    expect(await store.get('requests', id)).toMatchObject({ acknowledgedAt: '2026-01-01T00:01:00.000Z', succeeded: 2, failed: 1 });
  });

  it('record a machine’s updated facts and the return request that named it', async () => {
    const { store } = recordingStore();
    const id = 'i-1';
    await machinesProjection.apply(stored('Machine', 'MachineCreated', id, { machine: { machineId: id, privateIpAddress: null, statusReason: '', returnRequestId: null } }), store);
    const updated = stored('Machine', 'MachineUpdated', id, { changedFields: ['privateIpAddress', 'statusReason'], facts: { privateIpAddress: '10.0.0.1' }, statusReason: 'booting' });
    await machinesProjection.apply(updated, store);
    expect(await store.get('machines', id)).toMatchObject({ privateIpAddress: '10.0.0.1', statusReason: 'booting', returnRequestId: null, updatedAt: updated.event.occurredAt });
    const named = stored('Machine', 'MachineReturnRequested', id, { returnRequestId: 'ret-1', previousReturnRequestId: null });
    await machinesProjection.apply(named, store);
    expect(await store.get('machines', id)).toMatchObject({ privateIpAddress: '10.0.0.1', statusReason: 'booting', returnRequestId: 'ret-1', updatedAt: named.event.occurredAt });
  });

  it('mark a release released', async () => {
    const { store } = recordingStore();
    const id = 'req-2';
    await releasesProjection.apply(stored('Request', 'RequestReleaseStarted', id, { release: { since: '2026-01-01T00:00:00.000Z', until: '2026-01-01T01:00:00.000Z' } }), store);
    await releasesProjection.apply(stored('Request', 'RequestReleased', id, { release: { since: '2026-01-01T00:00:00.000Z', until: '2026-01-01T01:00:00.000Z', releasedAt: '2026-01-01T00:30:00.000Z' } }), store);
    expect(await store.get(COLLECTIONS.releases, id)).toMatchObject({ requestId: id, status: 'released', releasedAt: '2026-01-01T00:30:00.000Z' });
  });

  it('ignore another aggregate’s events, even one with a request’s or machine’s event type', async () => {
    const { store, calls } = recordingStore();
    await requestsProjection.apply(stored('Machine', 'RequestCreated', 'x-1', { request: { requestId: 'x-1' } }), store);
    await machinesProjection.apply(stored('Request', 'MachineCreated', 'x-2', { machine: { machineId: 'x-2' } }), store);
    expect(calls).toEqual([]);
  });

  it('change nothing for an event about a document that does not exist', async () => {
    const { store, calls } = recordingStore();
    await requestsProjection.apply(stored('Request', 'RequestAcknowledged', 'req-none', { acknowledgedAt: '2026-01-01T00:01:00.000Z' }), store);
    expect(calls).toEqual(['get requests req-none']);
  });

  it('write nothing when an event is delivered again or after a newer one (idempotent by position)', async () => {
    const { store, puts } = recordingStore();
    const created = stored('Template', 'TemplateCreated', 'small', { template: { templateId: 'small', maxNumber: 1 } });
    const updated = stored('Template', 'TemplateUpdated', 'small', { template: { templateId: 'small', maxNumber: 2 } });
    const deleted = stored('Template', 'TemplateDeleted', 'small', {});
    for (const event of [created, updated]) await templatesProjection.apply(event, store);
    expect(puts).toHaveLength(2);
    await templatesProjection.apply(updated, store);
    await templatesProjection.apply(created, store);
    expect(puts).toHaveLength(2);
    await templatesProjection.apply(deleted, store);
    await templatesProjection.apply(deleted, store);
    await templatesProjection.apply(created, store);
    await templatesProjection.apply(updated, store);
    expect(puts).toHaveLength(3);
    expect(await store.get('templates', 'small')).toMatchObject({ _deleted: true, _position: deleted.position });
  });
});
