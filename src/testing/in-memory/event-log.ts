import type { DomainEvent } from '../../domain/shared/domain-event';
import type { EventLog, StoredEvent } from '../../storage/event-log';
import { ValidationError } from '../../kernel/errors';

/**
 * The committed events of an in-memory storage; position n is at index n − 1. Each event is kept as
 * its JSON text: a long history is then a list of strings rather than millions of small objects,
 * which keeps garbage collection flat as the log grows, and every read is a fresh copy by nature.
 */
export class InMemoryEventLog implements EventLog {
  readonly #events: string[] = [];

  async readAfter(after: number, limit: number): Promise<StoredEvent[]> {
    const issues = [];
    if (!Number.isInteger(after) || after < 0) {
      issues.push({ path: 'after', constraint: 'isInt', message: `must be an integer >= 0, got ${String(after)}` });
    }
    if (!Number.isInteger(limit) || limit < 1) {
      issues.push({ path: 'limit', constraint: 'isInt', message: `must be an integer >= 1, got ${String(limit)}` });
    }
    if (issues.length > 0) throw new ValidationError('event log read', issues);
    return this.#events.slice(after, after + limit).map((json, i) => ({ position: after + i + 1, event: JSON.parse(json) as DomainEvent }));
  }

  async head(): Promise<number> {
    return this.#events.length;
  }

  /** The number of committed events (the head position). */
  get size(): number {
    return this.#events.length;
  }

  /** Copies of every committed event, in position order. */
  all(): StoredEvent[] {
    return this.#events.map((json, i) => ({ position: i + 1, event: JSON.parse(json) as DomainEvent }));
  }

  /** Appends serialised events (JSON text) with the next consecutive positions (synchronously). */
  append(events: readonly string[]): void {
    for (const event of events) this.#events.push(event);
  }
}
