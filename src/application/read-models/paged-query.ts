import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { Query } from '../../kernel';
import { DEFAULT_QUERY_LIMIT, MAX_QUERY_LIMIT } from '../../storage/adapter-checks';
import type { ReadModelFilter, ReadModelStore } from '../../storage/read-model-store';
import { fromPlain } from './dto';
import { Page } from './page';

/** Paging shared by the list queries: `limit` 1–1000 (default 50), `offset` ≥ 0. */
export abstract class PagedQuery<T> extends Query<Page<T>> {
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_QUERY_LIMIT)
  limit?: number = DEFAULT_QUERY_LIMIT;

  @IsOptional()
  @IsInt()
  @Min(0)
  offset?: number = 0;
}

/** The order of every list query: newest first, ties broken by id. */
export const NEWEST_FIRST = [
  { field: 'createdAt', direction: 'desc' },
  { field: 'id', direction: 'desc' },
] as const;

/** One page of `collection` matching `filters`, newest first, as `type` instances. */
export async function readPage<T extends object>(
  store: ReadModelStore,
  collection: string,
  type: new () => T,
  filters: ReadModelFilter[],
  limit: number,
  offset: number,
): Promise<Page<T>> {
  const found = await store.query(collection, { filters, sort: NEWEST_FIRST, limit, offset });
  return Page.of(found.items.map((doc) => fromPlain(type, doc)), found.total, limit, offset);
}
