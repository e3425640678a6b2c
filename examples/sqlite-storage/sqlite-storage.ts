import type { Storage } from 'hostfactory-kernel';
import { SqliteDatabase } from './database';
import { SqliteEventLog } from './event-log';
import { SqliteReadModelStore } from './read-model-store';
import { SqliteUnitOfWork } from './unit-of-work';
import { SqliteProcessorStore } from './processor-store';

export type { SqliteTransaction } from './unit-of-work';
export { SqliteProcessorStore } from './processor-store';

export { SqliteStorageError } from './errors';
export type { SqliteStorageErrorCode } from './errors';
export { MIGRATIONS, SCHEMA_VERSION } from './migrations';
export type { Migration } from './migrations';

/** Options of {@link createSqliteStorage}. */
export interface SqliteStorageOptions {
  /** The database file; created (and migrated) when missing unless `readonly`. Not `:memory:`. */
  readonly filename: string;
  /** Open for reading only: no migration (the schema must be current), every write fails with STORAGE_READONLY. */
  readonly readonly?: boolean;
  /** How long a write waits for the write lock before failing with STORAGE_BUSY. Default 5000 ms. */
  readonly busyTimeoutMs?: number;
  /**
   * better-sqlite3's compiled addon (`better_sqlite3.node`), by path. Default: better-sqlite3 finds it
   * itself, probing a dozen paths on every process start (which a short-lived process notices).
   */
  readonly nativeBinding?: string;
}

/** A {@link Storage} on one SQLite file; `close()` releases its connections (call it once, at shutdown). */
export interface SqliteStorage extends Storage {
  readonly unitOfWork: SqliteUnitOfWork;
  readonly processors: SqliteProcessorStore;
  readonly filename: string;
  close(): void;
}

/**
 * Every storage port on one SQLite file, shareable by several processes: WAL journal, versioned
 * migrations applied on open, one `BEGIN IMMEDIATE` transaction per writing unit of work,
 * optimistic version checks in SQL, the outbox as the `events` table, read models as JSON rows
 * with expression indexes. Throws STORAGE_BUSY when the file stays locked while it is migrated.
 */
export function createSqliteStorage(options: SqliteStorageOptions): SqliteStorage {
  const database = SqliteDatabase.open(options);
  const unitOfWork = new SqliteUnitOfWork(database);
  return {
    filename: database.filename,
    unitOfWork,
    processors: new SqliteProcessorStore(unitOfWork),
    eventLog: new SqliteEventLog(database),
    readModels: new SqliteReadModelStore(database),
    close: () => database.close(),
  };
}
