import pg from 'pg';
import type { Storage } from 'hostfactory-kernel';
import { PostgresEventLog } from './event-log';
import { migrate } from './migrations';
import { PostgresReadModelStore, type ReadModelStoreOptions } from './read-model-store';
import { schemaTables, type SchemaTables } from './sql';
import { PostgresUnitOfWork } from './unit-of-work';
import { PostgresProcessorStore } from './processor-store';

/** Where {@link createPostgresStorage} connects: a pool the host owns, or a connection string (the storage then owns its pool). */
export type PostgresConnection = { readonly pool: pg.Pool } | { readonly connectionString: string; readonly poolSize?: number };

/** Options of {@link createPostgresStorage}. */
export type PostgresStorageOptions = PostgresConnection & {
  /** Schema holding every table (created if missing). Lower-case letters, digits and `_`. */
  readonly schema: string;
  /** Run pending migrations before returning. Default true; turn off when a deploy step migrates. */
  readonly migrate?: boolean;
  /** Read-model write options (position fencing, asynchronous commit); both default to true. */
  readonly readModels?: ReadModelStoreOptions;
};

/** A {@link Storage} on PostgreSQL, shareable by any number of processes, plus its pool and tables. */
export interface PostgresStorage extends Storage {
  readonly unitOfWork: PostgresUnitOfWork;
  readonly processors: PostgresProcessorStore;
  readonly pool: pg.Pool;
  readonly tables: SchemaTables;
  /** Ends the pool if the storage created it; a pool passed in stays open (its owner ends it). */
  close(): Promise<void>;
}

/**
 * Connects the storage ports to PostgreSQL in `schema`, migrating it first (safe when several
 * replicas start at once). Throws `INVALID_CONFIGURATION` for a bad schema name; rejects with the
 * driver's error when the database is unreachable.
 */
export async function createPostgresStorage(options: PostgresStorageOptions): Promise<PostgresStorage> {
  const tables = schemaTables(options.schema);
  const owned = !('pool' in options);
  const pool = 'pool' in options ? options.pool : new pg.Pool({ connectionString: options.connectionString, max: options.poolSize ?? 10 });
  try {
    if (options.migrate !== false) await migrate(pool, tables);
  } catch (error) {
    if (owned) await pool.end();
    throw error;
  }
  const unitOfWork = new PostgresUnitOfWork(pool, tables);
  return {
    unitOfWork,
    processors: new PostgresProcessorStore(pool, tables, unitOfWork),
    eventLog: new PostgresEventLog(pool, tables),
    readModels: new PostgresReadModelStore(pool, tables, options.readModels),
    pool,
    tables,
    close: async () => {
      if (owned) await pool.end();
    },
  };
}
