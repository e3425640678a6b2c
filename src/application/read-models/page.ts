import { Expose } from 'class-transformer';

/** One page of a list query: the items, the number matching the filters, and the paging used. */
export class Page<T> {
  @Expose() items!: T[];
  @Expose() total!: number;
  @Expose() limit!: number;
  @Expose() offset!: number;

  /** Builds a page. */
  static of<T>(items: T[], total: number, limit: number, offset: number): Page<T> {
    return Object.assign(new Page<T>(), { items, total, limit, offset });
  }
}
