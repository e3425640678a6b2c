import type { DomainEvent } from '../domain/shared/domain-event';
import type { MachineRepository, RequestRepository, TemplateRepository } from './repositories';

/** Where a transaction puts the events its changes recorded; they commit with the state or not at all. */
export interface Outbox {
  /** Queues `events` (in order) for the commit. */
  append(events: readonly DomainEvent[]): void;
}

/** The repositories and outbox of one transaction. */
export interface Transaction {
  readonly templates: TemplateRepository;
  readonly requests: RequestRepository;
  readonly machines: MachineRepository;
  readonly outbox: Outbox;
  /**
   * Holds the named lock until this transaction ends, so that transactions taking the same key run
   * one after another, across processes when the storage is shared. Used to keep a template's
   * capacity check and the request it admits atomic. Take at most one key per transaction.
   */
  lock(key: string): Promise<void>;
}

/**
 * Runs work atomically. `transaction(work)` commits every save and every appended event when `work`
 * resolves, and nothing at all when it rejects (or a save conflicts). Events get consecutive
 * positions in commit order.
 */
export interface UnitOfWork {
  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T>;
}
