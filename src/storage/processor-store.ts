import type { DomainEvent } from '../domain/shared/domain-event';
import type { Transaction } from './unit-of-work';

/**
 * The right to run one processor (or one partition of it) until the lease expires. `epoch` is the
 * fencing token: it grows every time the lease changes hands or the checkpoint is reset, and every
 * write a holder makes is refused once the row's epoch is no longer its own.
 */
export interface ProcessorClaim {
  /** The processor key: its name, or `name#partition` for a partitioned one. */
  readonly processor: string;
  /** The replica holding the lease (a random id per running processor group). */
  readonly owner: string;
  readonly epoch: number;
  /** The checkpoint when the claim was taken: every event at or below it is done. */
  readonly position: number;
}

/** An event a processor gave up on after its attempts, kept for an operator to look at and replay. */
export interface DeadLetter {
  readonly processor: string;
  readonly position: number;
  /** `aggregateType:aggregateId`: later events of the same aggregate are parked behind this one. */
  readonly stream: string;
  readonly event: DomainEvent;
  /** Handler attempts made; 0 for an event parked behind an earlier dead letter of its aggregate. */
  readonly attempts: number;
  /** The last error's message (or why the event was parked). */
  readonly error: string;
  /** ISO-8601 time the letter was written. */
  readonly failedAt: string;
}

/** One processor key as stored: its checkpoint and who holds its lease, if anyone. */
export interface ProcessorState {
  readonly processor: string;
  readonly position: number;
  readonly epoch: number;
  /** The holder of a lease that has not expired; undefined when the key is free. */
  readonly owner: string | undefined;
  /** Milliseconds until the lease expires (0 when free or expired). */
  readonly leaseRemainingMs: number;
}

/**
 * Checkpoints, leases and dead letters of event processors (docs/processors.md). Every write that
 * moves a checkpoint runs in one transaction of the same storage's unit of work together with the
 * handler's writes, and is refused with `PROCESSOR_LEASE_LOST` (writing nothing) when the claim's
 * epoch is no longer current. Lease times are the store's clock (the database's on a server).
 */
export interface ProcessorStore {
  /**
   * Takes the lease on `processor` for `leaseMs` when it is free, expired or already `owner`'s
   * (creating the key at position 0 the first time); undefined when another owner holds it.
   * Taking it from someone else, or after it expired, increases the epoch.
   */
  claim(processor: string, owner: string, leaseMs: number): Promise<ProcessorClaim | undefined>;
  /** Extends the claim's lease by `leaseMs` from now; false when the claim is no longer current. */
  renew(claim: ProcessorClaim, leaseMs: number): Promise<boolean>;
  /** Gives the lease up (the checkpoint stays); a claim that is no longer current is ignored. */
  release(claim: ProcessorClaim): Promise<void>;
  /**
   * In one transaction: runs `work`, records `parked` dead letters and moves the checkpoint to
   * `position` (never backwards). Rejects with `PROCESSOR_LEASE_LOST` when the claim is stale, and
   * with `work`'s error; either way nothing of the transaction is kept.
   */
  advance<T>(claim: ProcessorClaim, position: number, work: (tx: Transaction) => Promise<T>, parked?: readonly DeadLetter[]): Promise<T>;
  /** Every dead letter of `processor` (a key, or a name: then of all its partitions), in position order. */
  deadLetters(processor: string): Promise<DeadLetter[]>;
  /**
   * In one transaction: runs `work` and deletes the dead letter at (`processor`, `position`).
   * Rejects with `DEAD_LETTER_NOT_FOUND` (writing nothing) when it is already gone.
   */
  settle<T>(processor: string, position: number, work: (tx: Transaction) => Promise<T>): Promise<T>;
  /**
   * Moves the checkpoint of `processor` to `position` (backwards for a rebuild), frees its lease,
   * increases its epoch (the current holder is fenced out) and deletes its dead letters above `position`.
   */
  reset(processor: string, position: number): Promise<void>;
  /** Every key whose name is `name` or starts with `name#`, sorted by key. */
  states(name: string): Promise<ProcessorState[]>;
  /**
   * Records that `owner` runs processor `name` for the next `ttlMs`, and resolves to the number of
   * owners whose membership has not expired (this one included): replicas divide the partitions by it.
   */
  heartbeat(name: string, owner: string, ttlMs: number): Promise<number>;
  /** Ends `owner`'s membership of `name` at once (a replica that stops). */
  leave(name: string, owner: string): Promise<void>;
}
