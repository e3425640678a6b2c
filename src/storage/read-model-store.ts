/** A stored read-model document: JSON data with a string id. */
export type ReadModelDocument = Record<string, unknown> & { readonly id: string };

/** One filter of a {@link ReadModelQuery}; fields may be nested paths such as `machine.status`. */
export type ReadModelFilter =
  | { readonly field: string; readonly eq: string | number | boolean | null }
  | { readonly field: string; readonly in: readonly (string | number | boolean | null)[] }
  | {
      readonly field: string;
      readonly gt?: string | number;
      readonly gte?: string | number;
      readonly lt?: string | number;
      readonly lte?: string | number;
    };

/** A query over one collection: every filter must hold (AND); sort is stable and applied before paging. */
export interface ReadModelQuery {
  readonly filters?: readonly ReadModelFilter[];
  readonly sort?: readonly { readonly field: string; readonly direction: 'asc' | 'desc' }[];
  /** 1…1000; default 50. */
  readonly limit?: number;
  /** ≥ 0; default 0. */
  readonly offset?: number;
}

/** A page of documents and the number of documents matching the filters (ignoring paging). */
export interface ReadModelPage<T> {
  readonly items: T[];
  readonly total: number;
}

/**
 * Document collections for read models (queries read them; projections write them). Documents are
 * copied in and out: mutating what was passed or returned never changes what is stored.
 */
export interface ReadModelStore {
  get<T extends ReadModelDocument>(collection: string, id: string): Promise<T | undefined>;
  /** The documents that exist among `ids`, in the order asked. */
  getMany<T extends ReadModelDocument>(collection: string, ids: readonly string[]): Promise<T[]>;
  /** Inserts or replaces the document with `document.id`. */
  put(collection: string, document: ReadModelDocument): Promise<void>;
  /**
   * Optional batch of `put` into one collection: same rules per document (position fence included),
   * each id at most once (else VALIDATION_FAILED, nothing written). Absent: the library calls `put`
   * per document (see `putDocuments`).
   */
  putMany?(collection: string, documents: readonly ReadModelDocument[]): Promise<void>;
  delete(collection: string, id: string): Promise<void>;
  query<T extends ReadModelDocument>(collection: string, query: ReadModelQuery): Promise<ReadModelPage<T>>;
}
