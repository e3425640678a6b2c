import type { DomainEvent } from '../../domain/shared/domain-event';
import { ValidationError } from '../../kernel/errors';
import type { Transaction, UnitOfWork } from '../../storage/unit-of-work';
import type { InMemoryEventLog } from './event-log';
import { KeyLocks, type LockTicket } from '../../storage/key-locks';
import { machineRepository, requestRepository, templateRepository, type AggregateTables } from './repositories';
import { TableTransaction } from './snapshot-table';

/**
 * Unit of work over in-memory tables. Work runs against buffered writes; when it resolves, every
 * expected version is checked and, if all hold, the writes and events are applied in one
 * synchronous step, so no other transaction can interleave. A conflict or a rejection writes nothing.
 */
export class InMemoryUnitOfWork implements UnitOfWork {
  readonly #locks = new KeyLocks();

  constructor(
    private readonly tables: AggregateTables,
    private readonly log: InMemoryEventLog,
  ) {}

  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.transactionWith(work, undefined);
  }

  /**
   * {@link transaction} with one more step in the commit: `prepare` runs after the version checks and
   * may throw (nothing is written); the function it returns is applied with the writes, in the same
   * synchronous step. The processor store moves checkpoints with it.
   */
  async transactionWith<T>(work: (tx: Transaction) => Promise<T>, prepare: (() => () => void) | undefined): Promise<T> {
    let open = true;
    let lock: { key: string; ticket: LockTicket } | undefined;
    const guard = (): void => {
      if (!open) throw new Error('This transaction has ended; use the `tx` of a running transaction(work) only inside `work`.');
    };
    const views = {
      templates: new TableTransaction(this.tables.templates),
      requests: new TableTransaction(this.tables.requests),
      machines: new TableTransaction(this.tables.machines),
    };
    // Serialised at append: a copy the caller cannot reach, and one string instead of an object tree.
    const events: string[] = [];
    const tx: Transaction = {
      templates: templateRepository(views.templates, guard),
      requests: requestRepository(views.requests, guard),
      machines: machineRepository(views.machines, guard),
      outbox: {
        append: (appended) => {
          guard();
          for (const event of appended) events.push(JSON.stringify(event));
        },
      },
      lock: async (key) => {
        guard();
        if (lock === undefined) lock = { key, ticket: this.#locks.acquire(key) };
        else if (lock.key !== key) {
          throw new ValidationError('transaction lock', [
            {
              path: 'key',
              constraint: 'singleLock',
              message: `this transaction already holds "${lock.key}" and cannot also take "${key}"; take at most one key per transaction`,
            },
          ]);
        }
        await lock.ticket.ready;
      },
    };
    try {
      const result = await work(tx);
      guard();
      const conflict = views.templates.conflict() ?? views.requests.conflict() ?? views.machines.conflict();
      if (conflict !== undefined) throw conflict;
      const also = prepare?.();
      views.templates.apply();
      views.requests.apply();
      views.machines.apply();
      this.log.append(events);
      also?.();
      return result;
    } finally {
      open = false;
      lock?.ticket.release();
    }
  }
}
