import type { DomainEvent } from '../domain/shared/domain-event';
import { readStoredEvent } from '../domain/shared/stored-schemas';

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

/**
 * A batch read from an {@link EventLog} as this release reads it: each event through
 * `readStoredEvent` (upcast to the current schema; the same objects when already current). Throws
 * SCHEMA_VERSION_UNSUPPORTED for an event this release cannot read, so a reader stops at it instead
 * of skipping it.
 */
export function readStoredEvents(batch: readonly StoredEvent[]): StoredEvent[] {
  const { events, unreadable } = readableEvents(batch);
  if (unreadable !== undefined) throw unreadable.error;
  return events;
}

/** @internal The readable events at the start of `batch`, and the first one that is not, with why. */
export function readableEvents(batch: readonly StoredEvent[]): { events: StoredEvent[]; unreadable?: { position: number; error: unknown } } {
  const events: StoredEvent[] = [];
  for (const stored of batch) {
    let event: DomainEvent;
    try {
      event = readStoredEvent(stored.event);
    } catch (error) {
      return { events, unreadable: { position: stored.position, error } };
    }
    events.push(event === stored.event ? stored : { position: stored.position, event });
  }
  return { events };
}
