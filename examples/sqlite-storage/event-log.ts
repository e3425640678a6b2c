import Database from 'better-sqlite3';
import { ValidationError, type DomainEvent, type ValidationIssue } from 'hostfactory-kernel';
import { type EventLog, type StoredEvent } from 'hostfactory-kernel/storage';
import { prepared, type SqliteDatabase } from './database';
import { SqliteStorageError } from './errors';

/** An event queued by `tx.outbox.append`, already serialised (so later changes to the caller's object do not leak in). */
export interface PendingEvent {
  readonly eventId: string;
  readonly aggregateType: string;
  readonly aggregateId: string;
  readonly aggregateVersion: number;
  readonly type: string;
  readonly payload: string;
}

/** Serialises `event` for the `events` table. */
export function pendingEvent(event: DomainEvent): PendingEvent {
  const { eventId, aggregateType, aggregateId, aggregateVersion, type } = event;
  return { eventId, aggregateType, aggregateId, aggregateVersion, type, payload: JSON.stringify(event) };
}

/**
 * Inserts the transaction's events on its writer, inside its `BEGIN IMMEDIATE`. Writers are
 * serialised, so AUTOINCREMENT positions follow commit order and no reader sees n+1 before n.
 */
export function appendEvents(db: Database.Database, events: readonly PendingEvent[], committedAt: string): void {
  const insert = prepared(
    db,
    'INSERT INTO events (event_id, aggregate_type, aggregate_id, aggregate_version, type, payload, committed_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  for (const e of events) {
    try {
      insert.run(e.eventId, e.aggregateType, e.aggregateId, e.aggregateVersion, e.type, e.payload, committedAt);
    } catch (error) {
      if (error instanceof Database.SqliteError && error.code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new SqliteStorageError(
          'DUPLICATE_EVENT',
          `Event ${e.eventId} (${e.type} of ${e.aggregateType} "${e.aggregateId}") is already in the log; append each recorded event once (pullEvents() hands them over once).`,
          { eventId: e.eventId, type: e.type, aggregateId: e.aggregateId },
          error,
        );
      }
      throw error;
    }
  }
}

/** The committed events, read from the `events` table through the read-only connection. */
export class SqliteEventLog implements EventLog {
  constructor(private readonly database: SqliteDatabase) {}

  async readAfter(after: number, limit: number): Promise<StoredEvent[]> {
    const issues: ValidationIssue[] = [];
    if (!Number.isInteger(after) || after < 0) issues.push({ path: 'after', constraint: 'isInt', message: `must be an integer >= 0, got ${String(after)}` });
    if (!Number.isInteger(limit) || limit < 1) issues.push({ path: 'limit', constraint: 'isInt', message: `must be an integer >= 1, got ${String(limit)}` });
    if (issues.length > 0) throw new ValidationError('event log read', issues);
    this.database.assertOpen();
    const rows = prepared<[number, number], { position: number; payload: string }>(
      this.database.reader,
      'SELECT position, payload FROM events WHERE position > ? ORDER BY position LIMIT ?',
    ).all(after, limit);
    return rows.map((row) => ({ position: row.position, event: JSON.parse(row.payload) as DomainEvent }));
  }

  async head(): Promise<number> {
    this.database.assertOpen();
    return prepared<[], { head: number }>(this.database.reader, 'SELECT coalesce(max(position), 0) AS head FROM events').get()?.head ?? 0;
  }
}
