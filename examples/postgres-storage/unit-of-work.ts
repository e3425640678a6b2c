import type { Pool, PoolClient, QueryResult, QueryResultRow } from 'pg';
import { KernelError, ValidationError, type DomainEvent } from 'hostfactory-kernel';
import { type Transaction, type UnitOfWork } from 'hostfactory-kernel/storage';
import { appendCommitOrdered } from './event-log';
import { machineRepository, requestRepository, templateRepository, type TransactionScope } from './repositories';
import { literal, lockKey, sqlState, type SchemaTables } from './sql';

/**
 * The `tx` this adapter's `transaction(work)` hands to `work`: the ports' {@link Transaction} plus
 * `query`, a statement on the transaction's own connection, for a host's own tables (a durable
 * event handler's writes commit with its processor's checkpoint this way).
 */
export interface PostgresTransaction extends Transaction {
  query<R extends QueryResultRow = QueryResultRow>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
}

/** SQLSTATEs after which running the command again can succeed: deadlock detected, serialization failure. */
const RETRIABLE = new Set(['40P01', '40001']);

/**
 * One PostgreSQL transaction per unit of work on a dedicated pooled client, released on every path.
 * READ COMMITTED, except when `tx.lock(key)` is the first call: then the lock is taken before
 * `BEGIN ISOLATION LEVEL REPEATABLE READ`, so every read sees one snapshot taken after the
 * previous holder committed (a capacity check spans several finder calls).
 */
export class PostgresUnitOfWork implements UnitOfWork {
  constructor(
    private readonly pool: Pool,
    private readonly tables: SchemaTables,
  ) {}

  async transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const state = new TransactionState(client, this.tables);
    const tx: PostgresTransaction = {
      templates: templateRepository(state.scope),
      requests: requestRepository(state.scope),
      machines: machineRepository(state.scope),
      outbox: { append: (appended) => state.append(appended) },
      lock: (key) => state.lock(key),
      query: (sql, params = []) => state.scope.query(sql, params),
    };
    let broken: Error | undefined;
    try {
      const result = await work(tx);
      state.guard();
      await state.commit();
      return result;
    } catch (error) {
      broken = await state.rollback();
      throw retriable(error);
    } finally {
      state.close();
      // A client that failed to roll back is destroyed, which also frees its session-level lock.
      broken ??= await state.unlock();
      client.release(broken);
    }
  }
}

/** The life of one transaction on its client: lazy BEGIN, the lock, the queued events, the end. */
class TransactionState {
  readonly scope: TransactionScope;
  #open = true;
  #begun: Promise<void> | undefined;
  #events: DomainEvent[] = [];
  /** The first version conflict a statement reported; the commit fails with it even if the work caught it. */
  #conflict: unknown;
  #locked: string | undefined;
  /** The advisory lock key held at session level (lock-first transactions), released after the end. */
  #sessionLock: string | undefined;
  /** Statements run one after another even when the work issues several at once. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly client: PoolClient,
    private readonly tables: SchemaTables,
  ) {
    this.scope = {
      tables,
      guard: () => this.guard(),
      written: new Set(),
      conflict: (error) => {
        this.#conflict ??= error;
        return error;
      },
      query: async <R extends QueryResultRow>(sql: string, params: readonly unknown[]) => {
        this.guard();
        await this.begin('BEGIN');
        return this.run(() => this.client.query<R>(sql, [...params]));
      },
    };
  }

  guard(): void {
    if (!this.#open) throw new Error('This transaction has ended; use the `tx` of a running transaction(work) only inside `work`.');
  }

  append(events: readonly DomainEvent[]): void {
    this.guard();
    this.#events.push(...structuredClone(events));
  }

  async lock(key: string): Promise<void> {
    this.guard();
    if (this.#locked === key) return;
    if (this.#locked !== undefined) {
      throw new ValidationError('transaction lock', [
        {
          path: 'key',
          constraint: 'singleLock',
          message: `this transaction already holds "${this.#locked}" and cannot also take "${key}"; take at most one key per transaction`,
        },
      ]);
    }
    this.#locked = key;
    const advisoryKey = lockKey(this.tables.schema, `key:${key}`);
    if (this.#begun === undefined) {
      // Lock first, then begin: the snapshot is taken after the previous holder's commit is visible.
      this.#sessionLock = advisoryKey;
      this.#begun = this.run(async () => {
        await this.client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [advisoryKey]);
        await this.client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      });
      return this.#begun;
    }
    // Already begun: a transaction-scoped lock still serialises holders, with READ COMMITTED reads.
    await this.scope.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [advisoryKey]);
  }

  async commit(): Promise<void> {
    if (this.#conflict !== undefined) throw this.#conflict;
    if (this.#begun === undefined && this.#events.length === 0) return;
    await this.begin('BEGIN');
    await this.run(async () => {
      // The append, COMMIT and the release of a session lock go in one simple query (one round
      // trip); it stops at the first failing statement, and `rollback()`/`unlock()` then clean up.
      const unlock = this.#sessionLock === undefined ? '' : `; SELECT pg_advisory_unlock(hashtextextended(${literal(this.#sessionLock)}, 0))`;
      await appendCommitOrdered(this.client, this.tables, this.#events, `COMMIT${unlock}`);
      this.#sessionLock = undefined;
    });
  }

  /** Rolls back if anything began; resolves with the error that makes the client unusable, if any. */
  async rollback(): Promise<Error | undefined> {
    if (this.#begun === undefined) return undefined;
    try {
      await this.#begun.catch(() => undefined);
      await this.run(() => this.client.query('ROLLBACK'));
      return undefined;
    } catch (error) {
      return error as Error;
    }
  }

  /** Marks the transaction ended: its `tx` refuses every further call. */
  close(): void {
    this.#open = false;
  }

  /** Frees a session-level lock; an error means the client must be destroyed. */
  async unlock(): Promise<Error | undefined> {
    if (this.#sessionLock === undefined) return undefined;
    try {
      await this.run(() => this.client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [this.#sessionLock]));
      return undefined;
    } catch (error) {
      return error as Error;
    }
  }

  private begin(statement: string): Promise<void> {
    this.#begun ??= this.run(async () => void (await this.client.query(statement)));
    return this.#begun;
  }

  /** Runs `step` after every statement queued before it; a failed step does not block later ones. */
  private run<T>(step: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(step);
    this.#queue = result.catch(() => undefined);
    return result;
  }
}

/** A deadlock or serialization failure becomes CONCURRENCY_CONFLICT, which the library retries. */
function retriable(error: unknown): unknown {
  const state = sqlState(error);
  if (state === undefined || !RETRIABLE.has(state)) return error;
  return new KernelError(
    'CONCURRENCY_CONFLICT',
    `PostgreSQL aborted the transaction (${state}: ${(error as Error).message}) because it raced another one; retry the command.`,
    { details: { sqlState: state }, cause: error },
  );
}
