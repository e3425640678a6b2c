import { cloneJson } from '../../domain/shared/json';
import type {
  ReadModelDocument,
  ReadModelPage,
  ReadModelQuery,
  ReadModelStore,
} from '../../storage/read-model-store';
import { ValidationError } from '../../kernel/errors';
import { checkDistinctIds } from '../../storage/batch';
import { checkDocumentId, isFencedOut } from '../../storage/adapter-checks';
import { checkReadModelQuery, type CheckedFilter } from '../../storage/adapter-checks';
import { compareReadModelDocuments as compareDocuments, equalityKey, matchesReadModelFilter as matches, valueAt } from '../../storage/read-model-query';

interface Collection {
  readonly documents: Map<string, ReadModelDocument>;
  /** field → equality key → ids; created on the first eq/in query of the field, kept on every write. */
  readonly indexes: Map<string, { path: readonly string[]; entries: Map<string, Set<string>> }>;
}

/**
 * Read-model collections in memory. Documents are deep-copied in and out; a put never replaces a
 * document with a higher `_position`; equality filters use per-field indexes built lazily and
 * maintained on put/delete, so they never scan a collection.
 */
export class InMemoryReadModelStore implements ReadModelStore {
  readonly #collections = new Map<string, Collection>();

  async get<T extends ReadModelDocument>(collection: string, id: string): Promise<T | undefined> {
    const document = this.#collection(collection).documents.get(id);
    return document === undefined ? undefined : (cloneJson(document) as T);
  }

  async getMany<T extends ReadModelDocument>(collection: string, ids: readonly string[]): Promise<T[]> {
    const { documents } = this.#collection(collection);
    return [...new Set(ids)].flatMap((id) => {
      const document = documents.get(id);
      return document === undefined ? [] : [cloneJson(document) as T];
    });
  }

  async put(collection: string, document: ReadModelDocument): Promise<void> {
    checkDocumentId(document);
    this.#write(collection, document);
  }

  async putMany(collection: string, documents: readonly ReadModelDocument[]): Promise<void> {
    for (const document of documents) checkDocumentId(document);
    checkDistinctIds('read-model putMany', documents.map((d) => d.id));
    for (const document of documents) this.#write(collection, document);
  }

  async delete(collection: string, id: string): Promise<void> {
    const target = this.#collection(collection);
    this.#unindex(target, id);
    target.documents.delete(id);
  }

  async query<T extends ReadModelDocument>(collection: string, query: ReadModelQuery): Promise<ReadModelPage<T>> {
    const checked = checkReadModelQuery(query);
    const target = this.#collection(collection);
    const found = this.#candidates(target, checked.filters).filter((d) => checked.filters.every((f) => matches(d, f)));
    found.sort(compareDocuments(checked.sort));
    const page = found.slice(checked.offset, checked.offset + checked.limit);
    return { items: cloneJson(page) as T[], total: found.length };
  }

  /** Documents in `collection` (0 for an unknown one). */
  count(collection: string): number {
    return this.#collections.get(collection)?.documents.size ?? 0;
  }

  /** Documents that can match: those the most selective equality index holds, else all. */
  #candidates(target: Collection, filters: readonly CheckedFilter[]): ReadModelDocument[] {
    let best: string[] | undefined;
    for (const filter of filters) {
      if (filter.kind !== 'eq') continue;
      const { entries } = this.#index(target, filter.field, filter.path);
      const ids = new Set<string>();
      for (const value of filter.values) for (const id of entries.get(equalityKey(value) ?? '') ?? []) ids.add(id);
      if (best === undefined || ids.size < best.length) best = [...ids];
    }
    const documents = best === undefined ? [...target.documents.values()] : best.map((id) => target.documents.get(id));
    return documents.filter((d): d is ReadModelDocument => d !== undefined);
  }

  #index(target: Collection, field: string, path: readonly string[]): { entries: Map<string, Set<string>> } {
    let index = target.indexes.get(field);
    if (index === undefined) {
      index = { path, entries: new Map() };
      for (const [id, document] of target.documents) addTo(index.entries, equalityKey(valueAt(document, path)), id);
      target.indexes.set(field, index);
    }
    return index;
  }

  #unindex(target: Collection, id: string): void {
    const old = target.documents.get(id);
    if (old === undefined) return;
    for (const [, index] of target.indexes) {
      const key = equalityKey(valueAt(old, index.path));
      if (key === undefined) continue;
      const ids = index.entries.get(key);
      ids?.delete(id);
      if (ids?.size === 0) index.entries.delete(key);
    }
  }

  #write(collection: string, document: ReadModelDocument): void {
    const target = this.#collection(collection);
    if (isFencedOut(target.documents.get(document.id), document)) return;
    const copy = cloneJson(document);
    this.#unindex(target, copy.id);
    target.documents.set(copy.id, copy);
    for (const [, index] of target.indexes) addTo(index.entries, equalityKey(valueAt(copy, index.path)), copy.id);
  }

  #collection(name: string): Collection {
    if (typeof name !== 'string' || name === '') {
      throw new ValidationError('read-model collection', [
        { path: 'collection', constraint: 'isNotEmpty', message: `must be a non-empty collection name, got ${String(name)}` },
      ]);
    }
    let collection = this.#collections.get(name);
    if (collection === undefined) this.#collections.set(name, (collection = { documents: new Map(), indexes: new Map() }));
    return collection;
  }
}

/**
 * The multi-replica fence of the port: a document stamped with a numeric `_position` is never
 * replaced by one stamped with a lower position (a replica replaying an older event).
 */
function addTo(entries: Map<string, Set<string>>, key: string | undefined, id: string): void {
  if (key === undefined) return;
  let ids = entries.get(key);
  if (ids === undefined) entries.set(key, (ids = new Set()));
  ids.add(id);
}

