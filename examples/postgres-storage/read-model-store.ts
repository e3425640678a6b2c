import type { Pool } from 'pg';
import { type ReadModelDocument, type ReadModelStore } from 'hostfactory-kernel';
import { checkDistinctIds, checkDocumentId, type ReadModelPage, type ReadModelQuery } from 'hostfactory-kernel/storage';
import { querySql } from './read-model-sql';
import type { SchemaTables } from './sql';

/** Options of {@link PostgresReadModelStore}. */
export interface ReadModelStoreOptions {
  /**
   * Never replace a document whose numeric `_position` is above the incoming one's. The library's
   * projections stamp `_position`; with several replicas projecting into one store this stops a
   * slower replica's stale write from undoing a newer one. Default true.
   */
  readonly fenceByPosition?: boolean;
  /**
   * Commit read-model writes with `synchronous_commit = off` (no WAL flush wait; several times
   * faster). A server crash can lose only the latest writes, in commit order, so a projection's
   * checkpoint never survives without the documents before it; they are replayed. Default true.
   */
  readonly asyncCommit?: boolean;
}

/**
 * Read-model documents in one table `(collection, id, doc jsonb)`, written outside aggregate
 * transactions (each call is its own statement). Queries follow the port's rules exactly; equality
 * filters on the fields the library queries use expression indexes.
 */
export class PostgresReadModelStore implements ReadModelStore {
  readonly #upsert: string;
  readonly #upsertMany: string;
  readonly #asyncCommit: boolean;

  constructor(
    private readonly pool: Pool,
    private readonly tables: SchemaTables,
    options: ReadModelStoreOptions = {},
  ) {
    const t = tables.readModels;
    // CASE, not AND: SQL does not short-circuit, and only numbers may be cast.
    const fence =
      options.fenceByPosition === false
        ? ''
        : ` WHERE CASE WHEN jsonb_typeof(${t}.doc->'_position') = 'number' AND jsonb_typeof(EXCLUDED.doc->'_position') = 'number'
                       THEN (${t}.doc->'_position')::numeric <= (EXCLUDED.doc->'_position')::numeric ELSE TRUE END`;
    this.#asyncCommit = options.asyncCommit ?? true;
    const onConflict = `ON CONFLICT (collection, id) DO UPDATE SET doc = EXCLUDED.doc${fence}`;
    this.#upsert = `INSERT INTO ${t} (collection, id, doc) SELECT $1, $2, $3::jsonb ${onConflict}`;
    // One JSON array parameter (one stringify, one server-side parse), not a jsonb[] array literal.
    this.#upsertMany = `INSERT INTO ${t} (collection, id, doc) SELECT $1, d.doc->>'id', d.doc FROM jsonb_array_elements($2::jsonb) AS d(doc) ${onConflict}`;
  }

  async get<T extends ReadModelDocument>(collection: string, id: string): Promise<T | undefined> {
    const { rows } = await this.pool.query<{ doc: T }>(`SELECT doc FROM ${this.tables.readModels} WHERE collection = $1 AND id = $2`, [collection, id]);
    return rows[0]?.doc;
  }

  async getMany<T extends ReadModelDocument>(collection: string, ids: readonly string[]): Promise<T[]> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return [];
    const { rows } = await this.pool.query<{ id: string; doc: T }>(
      `SELECT id, doc FROM ${this.tables.readModels} WHERE collection = $1 AND id = ANY($2)`,
      [collection, unique],
    );
    const byId = new Map(rows.map((row) => [row.id, row.doc]));
    return unique.flatMap((id) => {
      const doc = byId.get(id);
      return doc === undefined ? [] : [doc];
    });
  }

  async put(collection: string, document: ReadModelDocument): Promise<void> {
    checkDocumentId(document);
    await this.#write(this.#upsert, [collection, document.id, JSON.stringify(document)]);
  }

  /** One multi-row upsert (the fence applies per row); a repeated id is VALIDATION_FAILED. */
  async putMany(collection: string, documents: readonly ReadModelDocument[]): Promise<void> {
    for (const document of documents) checkDocumentId(document);
    checkDistinctIds('read-model putMany', documents.map((d) => d.id));
    if (documents.length === 0) return;
    await this.#write(this.#upsertMany, [collection, JSON.stringify(documents)]);
  }

  async delete(collection: string, id: string): Promise<void> {
    await this.#write(`DELETE FROM ${this.tables.readModels} WHERE collection = $1 AND id = $2`, [collection, id]);
  }

  async query<T extends ReadModelDocument>(collection: string, query: ReadModelQuery): Promise<ReadModelPage<T>> {
    const q = querySql(query, 2);
    const from = `FROM ${this.tables.readModels} WHERE collection = $1 AND ${q.where}`;
    const n = q.params.length;
    const { rows } = await this.pool.query<{ doc: T; total: string }>(
      `SELECT doc, count(*) OVER () AS total ${from} ORDER BY ${q.orderBy} LIMIT $${n + 2} OFFSET $${n + 3}`,
      [collection, ...q.params, q.limit, q.offset],
    );
    if (rows.length > 0) return { items: rows.map((row) => row.doc), total: Number(rows[0]?.total) };
    if (q.offset === 0) return { items: [], total: 0 };
    // Paged past the end: the window count saw no rows, so count the matches on their own.
    const counted = await this.pool.query<{ total: string }>(`SELECT count(*) AS total ${from}`, [collection, ...q.params]);
    return { items: [], total: Number(counted.rows[0]?.total ?? 0) };
  }

  async #write(sql: string, params: unknown[]): Promise<void> {
    await this.pool.query(this.#asyncCommit ? asynchronous(sql) : sql, params);
  }
}

/**
 * `sql` (an INSERT … SELECT or a DELETE … WHERE) run as one statement that also sets
 * `synchronous_commit` off for its own implicit transaction: `set_config(…, true)` lasts to the end
 * of the transaction, and the commit record is written before settings are reset, so the commit
 * does not wait for the WAL flush. One round trip instead of BEGIN, SET LOCAL, the write, COMMIT.
 */
function asynchronous(sql: string): string {
  const off = "set_config('synchronous_commit', 'off', true) IS NOT NULL";
  if (sql.startsWith('DELETE')) return sql.replace(' WHERE ', ` WHERE ${off} AND `);
  return sql.replace(' ON CONFLICT ', ` WHERE ${off} ON CONFLICT `);
}
