import Database from 'better-sqlite3';
import { basename } from 'node:path';
import { KeyLocks } from 'hostfactory-kernel/storage';
import { SqliteStorageError } from './errors';
import { migrate, requireCurrentSchema } from './migrations';

/** What {@link SqliteDatabase.open} needs. */
export interface SqliteDatabaseOptions {
  readonly filename: string;
  readonly readonly?: boolean;
  /** How long a writer waits for the write lock (in this process and across processes). Default 5000. */
  readonly busyTimeoutMs?: number;
  /** better-sqlite3's `nativeBinding`: the addon's path (default: better-sqlite3's own search). */
  readonly nativeBinding?: string;
}

/** The write lock of this connection, held from `BEGIN IMMEDIATE` until `commit` or `rollback`. */
export interface WriterLease {
  readonly db: Database.Database;
  commit(): void;
  rollback(): void;
}

const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/**
 * The two connections of one storage. `reader` (read-only) answers everything outside a write
 * transaction and sees committed data only. `writer` is used by one write transaction at a time:
 * this process queues for it, and `BEGIN IMMEDIATE` takes SQLite's write lock across processes.
 */
export class SqliteDatabase {
  readonly reader: Database.Database;
  readonly #writer: Database.Database | undefined;
  readonly #queue = new KeyLocks();
  readonly #busyTimeoutMs: number;
  #closed = false;

  private constructor(readonly filename: string, reader: Database.Database, writer: Database.Database | undefined, busyTimeoutMs: number) {
    this.reader = reader;
    this.#writer = writer;
    this.#busyTimeoutMs = busyTimeoutMs;
  }

  /** Opens (and, unless read-only, creates and migrates) the database file. */
  static open(options: SqliteDatabaseOptions): SqliteDatabase {
    const { filename, readonly = false, busyTimeoutMs = DEFAULT_BUSY_TIMEOUT_MS, nativeBinding } = options;
    if (typeof filename !== 'string' || filename === '' || filename === ':memory:' || filename.startsWith('file::memory:')) {
      throw new SqliteStorageError(
        'INVALID_CONFIGURATION',
        `createSqliteStorage needs a database file, got ${JSON.stringify(filename)}; an in-memory SQLite database cannot be shared by the two connections (or the processes) of a storage. Use a file, e.g. in os.tmpdir().`,
        { filename },
      );
    }
    if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
      throw new SqliteStorageError('INVALID_CONFIGURATION', `busyTimeoutMs must be an integer >= 0, got ${String(busyTimeoutMs)}.`, { busyTimeoutMs });
    }
    let writer: Database.Database | undefined;
    const addon = nativeBinding === undefined ? {} : { nativeBinding };
    try {
      if (!readonly) {
        // Setup runs once per process start, so a synchronous wait for the lock is acceptable here.
        writer = new Database(filename, { timeout: busyTimeoutMs, ...addon });
        const mode = writer.pragma('journal_mode = WAL', { simple: true });
        if (String(mode).toLowerCase() !== 'wal') throw new Error(`journal_mode stayed ${String(mode)}`);
        writer.pragma('synchronous = NORMAL');
        migrate(writer);
        // From here on the writer waits for the lock asynchronously (see #beginImmediate).
        writer.pragma('busy_timeout = 0');
      }
      const reader = new Database(filename, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs, ...addon });
      if (readonly) requireCurrentSchema(reader, filename);
      return new SqliteDatabase(filename, reader, writer, busyTimeoutMs);
    } catch (error) {
      writer?.close();
      if (isBusy(error)) throw busyError(filename, busyTimeoutMs, 'opening and migrating the database', error);
      throw storageError(filename, error, 'open') ?? error;
    }
  }

  /**
   * Waits (without blocking the event loop) for this process's turn and then for SQLite's write
   * lock, and begins an IMMEDIATE transaction. Rejects with STORAGE_BUSY after `busyTimeoutMs`.
   */
  async lease(): Promise<WriterLease> {
    const writer = this.#writable();
    const deadline = Date.now() + this.#busyTimeoutMs;
    const ticket = this.#queue.acquire('writer');
    try {
      await beforeDeadline(ticket.ready, deadline, () => busyError(this.filename, this.#busyTimeoutMs, 'waiting for another write transaction of this process'));
      this.#writable();
      await this.#beginImmediate(writer, deadline);
    } catch (error) {
      ticket.release();
      throw error;
    }
    let ended = false;
    const end = (sql: 'COMMIT' | 'ROLLBACK'): void => {
      if (ended) return;
      ended = true;
      try {
        if (writer.open && writer.inTransaction) writer.exec(sql);
      } catch (error) {
        if (writer.open && writer.inTransaction) writer.exec('ROLLBACK');
        throw error;
      } finally {
        ticket.release();
      }
    };
    return { db: writer, commit: () => end('COMMIT'), rollback: () => end('ROLLBACK') };
  }

  /** Runs `write` in a write transaction of its own (used for read-model writes). */
  async write<T>(write: (db: Database.Database) => T): Promise<T> {
    const lease = await this.lease().catch((error: unknown) => {
      throw this.failure(error);
    });
    let result: T;
    try {
      result = write(lease.db);
      lease.commit();
    } catch (error) {
      lease.rollback();
      throw this.failure(error);
    }
    return result;
  }

  /** `error` as STORAGE_UNAVAILABLE or STORAGE_CORRUPT when it is SQLite failing to write the file (disk full, read-only, I/O), else as it is. */
  failure(error: unknown): unknown {
    return storageError(this.filename, error, 'write') ?? error;
  }

  /** Throws STORAGE_CLOSED once {@link close} was called. */
  assertOpen(): void {
    if (this.#closed) {
      throw new SqliteStorageError('STORAGE_CLOSED', `The SQLite storage on ${basename(this.filename)} was closed; create a new one to use the database again.`, { filename: this.filename });
    }
  }

  /** Closes both connections; an open write transaction is rolled back by SQLite. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#writer?.close();
    this.reader.close();
  }

  #writable(): Database.Database {
    this.assertOpen();
    if (this.#writer === undefined) {
      throw new SqliteStorageError(
        'STORAGE_READONLY',
        `The SQLite storage on ${basename(this.filename)} was opened read-only; open it without { readonly: true } to save aggregates, append events or write read models.`,
        { filename: this.filename },
      );
    }
    return this.#writer;
  }

  /** Polls for the write lock with a growing pause, so the holder (maybe in this process) can finish. */
  async #beginImmediate(writer: Database.Database, deadline: number): Promise<void> {
    for (let pause = 1; ; pause = Math.min(pause * 2, 25)) {
      try {
        writer.exec('BEGIN IMMEDIATE');
        return;
      } catch (error) {
        if (!isBusy(error)) throw error;
        const left = deadline - Date.now();
        if (left <= 0) throw busyError(this.filename, this.#busyTimeoutMs, 'waiting for the write lock held by another connection or process', error);
        await sleep(Math.min(pause, left));
      }
    }
  }
}

/** True for SQLITE_BUSY (and its extended codes) from better-sqlite3. */
export function isBusy(error: unknown): boolean {
  return error instanceof Database.SqliteError && error.code.startsWith('SQLITE_BUSY');
}

/**
 * The adapter error for a file SQLite cannot use (damaged, not a database, not openable or writable,
 * disk full, I/O error), naming the file by its base name only: the directory may come from the
 * environment. Undefined for any other error. `doing` says whether the file was being opened or written.
 */
export function storageError(filename: string, error: unknown, doing: 'open' | 'write'): SqliteStorageError | undefined {
  if (!(error instanceof Database.SqliteError)) return undefined;
  const name = basename(filename);
  if (error.code === 'SQLITE_NOTADB' || error.code.startsWith('SQLITE_CORRUPT')) {
    return new SqliteStorageError(
      'STORAGE_CORRUPT',
      `The SQLite database ${name} is damaged or is not a SQLite database (${error.code}). Move it aside and restore it from a backup; a new empty database is created in its place, but the requests and machines it recorded are then unknown.`,
      { filename, sqliteCode: error.code },
      error,
    );
  }
  if (error.code.startsWith('SQLITE_CANTOPEN') || error.code.startsWith('SQLITE_READONLY') || error.code.startsWith('SQLITE_PERM') || error.code === 'SQLITE_FULL' || error.code.startsWith('SQLITE_IOERR')) {
    return new SqliteStorageError(
      'STORAGE_UNAVAILABLE',
      doing === 'open'
        ? `The SQLite database ${name} cannot be opened for writing (${error.code}): check that its directory exists, is writable by this user and has free space.`
        : `The SQLite database ${name} could not be written (${error.code}: the disk is full, or the file or its directory is read-only or failing). Nothing of this call was recorded: free space, or make the file and its directory writable by this user, then retry.`,
      { filename, sqliteCode: error.code, doing },
      error,
    );
  }
  return undefined;
}

function busyError(filename: string, waitedMs: number, what: string, cause?: unknown): SqliteStorageError {
  return new SqliteStorageError(
    'STORAGE_BUSY',
    `The SQLite database ${basename(filename)} stayed locked for ${waitedMs} ms while ${what}. Another transaction holds the write lock too long (a long await inside transaction(work)?) or a process hangs holding it; retry, or raise busyTimeoutMs.`,
    { filename, waitedMs, operation: what },
    cause,
  );
}

async function beforeDeadline(promise: Promise<void>, deadline: number, error: () => Error): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(error()), Math.max(0, deadline - Date.now()));
  });
  try {
    await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const statements = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/** `db.prepare(sql)`, remembered per connection (queries are built from a handful of shapes). */
export function prepared<P extends unknown[] = unknown[], R = unknown>(db: Database.Database, sql: string): Database.Statement<P, R> {
  let cache = statements.get(db);
  if (cache === undefined) statements.set(db, (cache = new Map()));
  let statement = cache.get(sql);
  if (statement === undefined) {
    if (cache.size >= 500) cache.clear();
    cache.set(sql, (statement = db.prepare(sql)));
  }
  return statement as unknown as Database.Statement<P, R>;
}

/** `items` in consecutive slices of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const slices: T[][] = [];
  for (let i = 0; i < items.length; i += size) slices.push(items.slice(i, i + size));
  return slices;
}
