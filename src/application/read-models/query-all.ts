import type { ReadModelDocument, ReadModelFilter, ReadModelStore } from '../../storage/read-model-store';

/** Every document of `collection` matching `filters`, fetched in pages of 1000 ordered by id. */
export async function queryAll<T extends ReadModelDocument>(store: ReadModelStore, collection: string, filters: readonly ReadModelFilter[] = []): Promise<T[]> {
  const items: T[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await store.query<T>(collection, { filters, limit: 1000, offset, sort: [{ field: 'id', direction: 'asc' }] });
    items.push(...page.items);
    if (page.items.length < 1000 || items.length >= page.total) return items;
  }
}
