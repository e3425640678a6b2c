import type { DomainEvent } from '../domain/shared/domain-event';

/** A committed event and its position in the log (1, 2, 3, … in commit order, never reused). */
export interface StoredEvent {
  readonly position: number;
  readonly event: DomainEvent;
}

/**
 * The committed events in commit order. Readers (projections, relays) keep their own checkpoint
 * and ask for what follows it. A reader must never see position n+1 before n is visible.
 */
export interface EventLog {
  /** Up to `limit` events with `position > after`, in position order. */
  readAfter(after: number, limit: number): Promise<StoredEvent[]>;
  /** The highest committed position, 0 when empty. */
  head(): Promise<number>;
}
