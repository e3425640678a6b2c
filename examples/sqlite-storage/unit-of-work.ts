import type Database from 'better-sqlite3';
import { ValidationError, type ConcurrencyConflictError } from 'hostfactory-kernel';
import { type Transaction, type UnitOfWork } from 'hostfactory-kernel/storage';
import { KeyLocks, type LockTicket } from 'hostfactory-kernel/storage';
import type { SqliteDatabase, WriterLease } from './database';
import { appendEvents, pendingEvent, type PendingEvent } from './event-log';
import { machineRepository, requestRepository, templateRepository, type RepositoryScope } from './repositories';

/**
 * The `tx` this adapter's `transaction(work)` hands to `work`: the ports' {@link Transaction} plus
 * `database()`, the writer connection under this transaction's write lock, for a host's own tables
 * (a durable event handler's writes commit with its processor's checkpoint this way).
 */
export interface SqliteTransaction extends Transaction {
  /** Takes the write lock (if not yet held) and resolves to the connection to run statements on. */
  database(): Promise<Database.Database>;
}

/**
 * `transaction(work)` on SQLite. A transaction reads committed data from the read-only connection
 * until it first writes, or first touches data after `tx.lock(key)`; from then on it holds the
 * write lock (`BEGIN IMMEDIATE` on the writer) and reads and writes there until COMMIT or ROLLBACK.
 * So everything a lock protects, and every write, happens under SQLite's single write lock, which
 * serialises writers across processes; in this process they queue for the writer connection.
 */
export class SqliteUnitOfWork implements UnitOfWork {
  readonly #keys = new KeyLocks();

  constructor(private readonly database: SqliteDatabase) {}

  async transaction<T>(work: (tx: SqliteTransaction) => Promise<T>): Promise<T> {
    this.database.assertOpen();
    const scope = new TransactionScope(this.database, this.#keys);
    let result: T;
    try {
      result = await work(scope.tx);
      await scope.commit();
    } catch (error) {
      await scope.rollback();
      throw this.database.failure(error);
    }
    return result;
  }
}

class TransactionScope implements RepositoryScope {
  readonly tx: SqliteTransaction;
  #open = true;
  #lease: WriterLease | undefined;
  #leasing: Promise<WriterLease> | undefined;
  #lock: { key: string; ticket: LockTicket | undefined } | undefined;
  #conflict: ConcurrencyConflictError | undefined;
  readonly #written = new Set<string>();
  readonly #events: PendingEvent[] = [];

  constructor(
    private readonly database: SqliteDatabase,
    private readonly keys: KeyLocks,
  ) {
    this.tx = {
      templates: templateRepository(this),
      requests: requestRepository(this),
      machines: machineRepository(this),
      outbox: {
        append: (events) => {
          this.#guard();
          this.#events.push(...events.map(pendingEvent));
        },
      },
      lock: (key) => this.#takeLock(key),
      database: () => this.writing(),
    };
  }

  async reading(): Promise<Database.Database> {
    this.#guard();
    if (this.#lease !== undefined) return this.#lease.db;
    // After tx.lock(), reads belong to the locked section: take the write lock before them.
    if (this.#lock !== undefined) return (await this.#writer()).db;
    this.database.assertOpen();
    return this.database.reader;
  }

  async writing(): Promise<Database.Database> {
    this.#guard();
    return (await this.#writer()).db;
  }

  written(table: string, id: string): boolean {
    return this.#written.has(`${table}\u0000${id}`);
  }

  markWritten(table: string, id: string): void {
    this.#written.add(`${table}\u0000${id}`);
  }

  conflict(error: ConcurrencyConflictError): ConcurrencyConflictError {
    this.#conflict ??= error;
    return error;
  }

  /** Appends the outbox and commits; a conflict seen during `work` fails the commit even if `work` caught it. */
  async commit(): Promise<void> {
    this.#guard();
    if (this.#conflict !== undefined) throw this.#conflict;
    if (this.#events.length > 0) await this.#writer();
    const lease = this.#lease;
    if (lease !== undefined) {
      appendEvents(lease.db, this.#events, new Date().toISOString());
      lease.commit();
    }
    this.#end();
  }

  /** Rolls back whatever was written (waiting for a write lock still being acquired) and frees the named lock. */
  async rollback(): Promise<void> {
    if (!this.#open && this.#lease === undefined) return;
    this.#open = false;
    await this.#leasing?.catch(() => undefined);
    try {
      this.#lease?.rollback();
    } finally {
      this.#end();
    }
  }

  #end(): void {
    this.#open = false;
    this.#lease = undefined;
    this.#lock?.ticket?.release();
  }

  #writer(): Promise<WriterLease> {
    this.#leasing ??= this.database.lease().then((lease) => {
      if (!this.#open) {
        // The transaction ended while we waited (work did not await its own call).
        lease.rollback();
        throw ended();
      }
      return (this.#lease = lease);
    });
    return this.#leasing;
  }

  /**
   * In this process, transactions taking the same key queue for it. Across processes the key is
   * not needed: the next data access takes SQLite's write lock, which every writer must hold.
   * A transaction already holding the write lock excludes every other writer and skips the queue,
   * so no transaction ever waits for a key while holding the write lock (no deadlock).
   */
  async #takeLock(key: string): Promise<void> {
    this.#guard();
    if (typeof key !== 'string' || key === '') {
      throw new ValidationError('transaction lock', [{ path: 'key', constraint: 'isNotEmpty', message: `must be a non-empty string, got ${String(key)}` }]);
    }
    if (this.#lock === undefined) {
      this.#lock = { key, ticket: this.#lease === undefined && this.#leasing === undefined ? this.keys.acquire(key) : undefined };
    } else if (this.#lock.key !== key) {
      throw new ValidationError('transaction lock', [
        {
          path: 'key',
          constraint: 'singleLock',
          message: `this transaction already holds "${this.#lock.key}" and cannot also take "${key}"; take at most one key per transaction`,
        },
      ]);
    }
    await this.#lock.ticket?.ready;
  }

  #guard(): void {
    if (!this.#open) throw ended();
  }
}

function ended(): Error {
  return new Error('This transaction has ended; use the `tx` of a running transaction(work) only inside `work`.');
}
