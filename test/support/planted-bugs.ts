import type { ReadModelDocument, ReadModelFilter, ReadModelPage, ReadModelQuery, ReadModelStore } from '../../src/storage/read-model-store';
import type { Storage } from '../../src/storage/storage';
import type { Transaction } from '../../src/storage/unit-of-work';
import { checkReadModelQuery, type Request } from '../../src/storage/index';
import { ConcurrencyConflictError } from '../../src/index';
import { createInMemoryStorage } from '../../src/testing';
import { compareReadModelDocuments as compareDocuments, valueAt } from '../../src/storage/read-model-query';

/**
 * Storage adapters that each break one rule of docs/ports.md the way real adapters have, built by
 * wrapping the (correct) in-memory storage. The conformance suite must fail each of them.
 */
export const plantedBugs = {
  /** Checks versions at write time and throws, but commits the transaction's other writes if work catches it. */
  swallowableConflict: (): Storage =>
    withTransaction(createInMemoryStorage(), (tx) => ({
      ...tx,
      templates: {
        ...tx.templates,
        save: async (template, expectedVersion) => {
          const actual = (await tx.templates.get(template.templateId))?.version ?? null;
          if ((actual ?? 0) !== expectedVersion) throw new ConcurrencyConflictError('Template', template.templateId, expectedVersion, actual);
          await tx.templates.save(template, expectedVersion);
        },
      },
    })),

  /** `getMany` looks each id up in turn, so an id asked twice comes back twice. */
  duplicatingGetMany: (): Storage => {
    const storage = withTransaction(createInMemoryStorage(), (tx) => ({
      ...tx,
      templates: { ...tx.templates, getMany: async (ids) => present(await Promise.all(ids.map((id) => tx.templates.get(id)))) },
      requests: { ...tx.requests, getMany: async (ids) => present(await Promise.all(ids.map((id) => tx.requests.get(id)))) },
      machines: { ...tx.machines, getMany: async (ids) => present(await Promise.all(ids.map((id) => tx.machines.get(id)))) },
    }));
    const inner = storage.readModels;
    const readModels: ReadModelStore = {
      ...bind(inner),
      getMany: async <T extends ReadModelDocument>(collection: string, ids: readonly string[]) =>
        present(await Promise.all(ids.map((id) => inner.get<T>(collection, id)))),
    };
    return { ...storage, readModels };
  },

  /** Range filters use JavaScript's loose comparison, so `'10' > 5` holds. */
  looseRanges: (): Storage =>
    withQuery((inner) => async (collection, query) => {
      const checked = checkReadModelQuery(query);
      const ranges = (query.filters ?? []).filter(isRange);
      const others = (query.filters ?? []).filter((f) => !isRange(f));
      const all = await everyMatch(inner, collection, { filters: others, sort: query.sort });
      const found = all.filter((doc) => ranges.every((r) => looseRange(valueAt(doc, r.field.split('.')), r)));
      return { items: found.slice(checked.offset, checked.offset + checked.limit), total: found.length };
    }),

  /** Sort ties (and unsorted queries) come back in insertion order instead of by id. */
  insertionOrderTies: (): Storage => {
    const inserted = new Map<string, number>();
    return withQuery(
      (inner) => async (collection, query) => {
        const checked = checkReadModelQuery(query);
        const all = await everyMatch(inner, collection, { filters: query.filters });
        const seq = (doc: ReadModelDocument): number => inserted.get(`${collection}/${doc.id}`) ?? 0;
        all.sort((a, b) => seq(a) - seq(b));
        // With ids masked (unless sorting by id), equal keys compare equal and the stable sort keeps insertion order.
        const byKeys = compareDocuments(checked.sort);
        const sortsById = checked.sort.some((key) => key.path.join('.') === 'id');
        const masked = new Map(all.map((doc) => [doc, sortsById ? doc : { ...doc, id: '' }]));
        all.sort((a, b) => byKeys(masked.get(a) as ReadModelDocument, masked.get(b) as ReadModelDocument));
        return { items: all.slice(checked.offset, checked.offset + checked.limit), total: all.length };
      },
      (collection, doc) => void (inserted.has(`${collection}/${doc.id}`) || inserted.set(`${collection}/${doc.id}`, inserted.size + 1)),
    );
  },

  /** Request finders order by `createdAt`, then by insertion instead of by id. */
  requestTiesByInsertion: (): Storage => {
    const inserted = new Map<string, number>();
    const byInsertion = (requests: Request[]): Request[] =>
      requests.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (inserted.get(a.requestId) ?? 0) - (inserted.get(b.requestId) ?? 0));
    return withTransaction(createInMemoryStorage(), (tx) => ({
      ...tx,
      requests: {
        ...tx.requests,
        save: async (request, expectedVersion) => {
          await tx.requests.save(request, expectedVersion);
          if (!inserted.has(request.requestId)) inserted.set(request.requestId, inserted.size + 1);
        },
        findByStatus: async (statuses, options) => byInsertion(await tx.requests.findByStatus(statuses, options)),
        findOpenByTemplate: async (templateId) => byInsertion(await tx.requests.findOpenByTemplate(templateId)),
      },
    }));
  },

  /** `put` deletes then inserts, so an older `_position` overwrites a newer document. */
  unfencedPut: (): Storage => {
    const storage = createInMemoryStorage();
    const inner = storage.readModels;
    const readModels: ReadModelStore = {
      ...bind(inner),
      put: async (collection, doc) => {
        await inner.delete(collection, doc.id);
        await inner.put(collection, doc);
      },
    };
    return { ...storage, readModels };
  },
};

function withTransaction(storage: Storage, wrap: (tx: Transaction) => Transaction): Storage {
  return { ...storage, unitOfWork: { transaction: (work) => storage.unitOfWork.transaction((tx) => work(wrap(tx))) } };
}

type QueryFn = (collection: string, query: ReadModelQuery) => Promise<ReadModelPage<ReadModelDocument>>;

function withQuery(query: (inner: ReadModelStore) => QueryFn, onPut?: (collection: string, doc: ReadModelDocument) => void): Storage {
  const storage = createInMemoryStorage();
  const inner = storage.readModels;
  const readModels: ReadModelStore = {
    ...bind(inner),
    query: query(inner) as ReadModelStore['query'],
    put: async (collection, doc) => {
      onPut?.(collection, doc);
      await inner.put(collection, doc);
    },
  };
  return { ...storage, readModels };
}

/** The store's methods bound to it, so they can be spread into a wrapper. */
function bind(store: ReadModelStore): ReadModelStore {
  return {
    get: (c, id) => store.get(c, id),
    getMany: (c, ids) => store.getMany(c, ids),
    put: (c, doc) => store.put(c, doc),
    delete: (c, id) => store.delete(c, id),
    query: (c, q) => store.query(c, q),
  };
}

/** Every document matching `query`'s filters, in its order, read page by page from the correct store. */
async function everyMatch<T extends ReadModelDocument>(store: ReadModelStore, collection: string, query: ReadModelQuery): Promise<T[]> {
  const all: T[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await store.query<T>(collection, { ...query, limit: 1000, offset });
    all.push(...page.items);
    if (all.length >= page.total) return all;
  }
}

type Range = Extract<ReadModelFilter, { gt?: unknown }>;

function isRange(filter: ReadModelFilter): filter is Range {
  return !('eq' in filter) && !('in' in filter);
}

function looseRange(value: unknown, { gt, gte, lt, lte }: Range): boolean {
  if (value === null || value === undefined) return false;
  const v = value as number;
  return (gt === undefined || v > (gt as number)) && (gte === undefined || v >= (gte as number)) && (lt === undefined || v < (lt as number)) && (lte === undefined || v <= (lte as number));
}

function present<T>(items: readonly (T | undefined)[]): T[] {
  return items.filter((item): item is T => item !== undefined);
}
