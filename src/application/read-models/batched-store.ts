import { cloneJson } from '../../domain/shared/json';
import { checkDocumentId, isFencedOut } from '../../storage/adapter-checks';
import { putDocuments } from '../../storage/batch';
import type { ReadModelDocument, ReadModelPage, ReadModelQuery, ReadModelStore } from '../../storage/read-model-store';

/**
 * The read-model store the projector hands its projections for one batch of events: the first read
 * of a collection loads every document the batch's events name with one `getMany`, and puts are
 * buffered and written with one `putMany` per collection at {@link flush}. A projection sees what
 * the unbuffered store would answer (reads see earlier puts; the position fence is applied here as
 * the store would). A `delete` or `query` flushes first, so the store sees writes in their order.
 */
export class BatchedReadModelStore implements ReadModelStore {
  /** collection → id → document (null: known absent); the store's state plus the pending puts. */
  readonly #known = new Map<string, Map<string, ReadModelDocument | null>>();
  readonly #pending = new Map<string, Map<string, ReadModelDocument>>();

  /** `ids`: the documents the batch's events are about, loaded together on a collection's first read. */
  constructor(
    private readonly store: ReadModelStore,
    private readonly ids: readonly string[],
  ) {}

  async get<T extends ReadModelDocument>(collection: string, id: string): Promise<T | undefined> {
    const known = await this.#load(collection, id);
    return known === null ? undefined : (cloneJson(known) as T);
  }

  async getMany<T extends ReadModelDocument>(collection: string, ids: readonly string[]): Promise<T[]> {
    const found: T[] = [];
    for (const id of new Set(ids)) {
      const document = await this.get<T>(collection, id);
      if (document !== undefined) found.push(document);
    }
    return found;
  }

  async put(collection: string, document: ReadModelDocument): Promise<void> {
    checkDocumentId(document);
    const current = await this.#load(collection, document.id);
    if (isFencedOut(current ?? undefined, document)) return;
    const copy = cloneJson(document);
    this.#known.get(collection)!.set(copy.id, copy);
    let pending = this.#pending.get(collection);
    if (pending === undefined) this.#pending.set(collection, (pending = new Map()));
    pending.set(copy.id, copy);
  }

  async putMany(collection: string, documents: readonly ReadModelDocument[]): Promise<void> {
    for (const document of documents) await this.put(collection, document);
  }

  async delete(collection: string, id: string): Promise<void> {
    await this.flush();
    await this.store.delete(collection, id);
    this.#known.get(collection)?.set(id, null);
  }

  async query<T extends ReadModelDocument>(collection: string, query: ReadModelQuery): Promise<ReadModelPage<T>> {
    await this.flush();
    return this.store.query<T>(collection, query);
  }

  /** Writes the buffered documents, one `putMany` (or `put` per document) per collection. */
  async flush(): Promise<void> {
    for (const [collection, pending] of this.#pending) {
      this.#pending.delete(collection);
      await putDocuments(this.store, collection, [...pending.values()]);
    }
  }

  async #load(collection: string, id: string): Promise<ReadModelDocument | null> {
    let known = this.#known.get(collection);
    if (known === undefined) {
      known = new Map(this.ids.map((batchId) => [batchId, null]));
      for (const document of await this.store.getMany(collection, this.ids)) known.set(document.id, document);
      this.#known.set(collection, known);
    }
    const cached = known.get(id);
    if (cached !== undefined) return cached;
    const loaded = (await this.store.get(collection, id)) ?? null;
    known.set(id, loaded);
    return loaded;
  }
}

