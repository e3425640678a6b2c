import { KernelError } from 'hostfactory-kernel';

/** Stable codes of {@link SqliteStorageError}. */
export type SqliteStorageErrorCode =
  | 'STORAGE_BUSY'
  | 'STORAGE_CORRUPT'
  | 'STORAGE_UNAVAILABLE'
  | 'STORAGE_READONLY'
  | 'STORAGE_CLOSED'
  | 'STORAGE_SCHEMA_MISMATCH'
  | 'DUPLICATE_IDEMPOTENCY_KEY'
  | 'DUPLICATE_EVENT'
  | 'INVALID_CONFIGURATION';

/**
 * A failure of the SQLite adapter itself (not of the domain): the write lock stayed taken past
 * `busyTimeoutMs`, a write on a read-only storage, a closed storage, an unknown schema, a damaged
 * file (`STORAGE_CORRUPT`), a file that cannot be opened (`STORAGE_UNAVAILABLE`). Messages name the
 * file by its base name only; `details.filename` has the full path (for logs); `cause` is the driver's error when there is one.
 */
export class SqliteStorageError extends KernelError {
  declare readonly code: SqliteStorageErrorCode;

  constructor(code: SqliteStorageErrorCode, message: string, details: Record<string, unknown>, cause?: unknown) {
    super(code, message, cause === undefined ? { details } : { details, cause });
  }
}

