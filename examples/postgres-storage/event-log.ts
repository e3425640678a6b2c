import type { Pool, PoolClient } from 'pg';
import { ValidationError, type DomainEvent, type ValidationIssue } from 'hostfactory-kernel';
import { type EventLog, type StoredEvent } from 'hostfactory-kernel/storage';
import { literal, lockKey, type SchemaTables } from './sql';

/**
 * The committed events, read straight from the `events` table. Every committed position is
 * visible as soon as it is readable at all (see {@link appendCommitOrdered}), so a plain
 * `position > after` scan never skips an event that commits late.
 */
export class PostgresEventLog implements EventLog {
  constructor(
    private readonly pool: Pool,
    private readonly tables: SchemaTables,
  ) {}

  async readAfter(after: number, limit: number): Promise<StoredEvent[]> {
    const issues: ValidationIssue[] = [];
    if (!Number.isInteger(after) || after < 0) issues.push({ path: 'after', constraint: 'isInt', message: `must be an integer >= 0, got ${String(after)}` });
    if (!Number.isInteger(limit) || limit < 1) issues.push({ path: 'limit', constraint: 'isInt', message: `must be an integer >= 1, got ${String(limit)}` });
    if (issues.length > 0) throw new ValidationError('event log read', issues);
    const { rows } = await this.pool.query<{ position: string; event: DomainEvent }>(
      `SELECT position, event FROM ${this.tables.events} WHERE position > $1 ORDER BY position LIMIT $2`,
      [after, limit],
    );
    return rows.map((row) => ({ position: Number(row.position), event: row.event }));
  }

  async head(): Promise<number> {
    const { rows } = await this.pool.query<{ head: string }>(`SELECT coalesce(max(position), 0) AS head FROM ${this.tables.events}`);
    return Number(rows[0]?.head ?? 0);
  }
}

/**
 * Appends a transaction's events as its last step before COMMIT (`then`, sent in the same round trip), under an advisory lock only
 * appends take, so positions are handed out in commit order: a reader never sees n+1 before n.
 * Cost: appends (lock → COMMIT) run one at a time. See docs/scaling.md.
 */
export async function appendCommitOrdered(client: PoolClient, tables: SchemaTables, events: readonly DomainEvent[], then?: string): Promise<void> {
  const rest = then === undefined ? '' : `; ${then}`;
  if (events.length === 0) {
    if (then !== undefined) await client.query(then);
    return;
  }
  // Transaction locks are released only after the commit is visible, so the next appender continues
  // after our positions. The sequence is read and advanced in the same statement; sequences ignore
  // snapshots, so this works under REPEATABLE READ too. A failure between this statement and
  // COMMIT (a lost connection) can leave a gap, never a reordering. The lock subquery has a
  // volatile target list, so it is never flattened and takes the lock before the sequence is read.
  // Values are inlined as escape-string literals (E'...', read alike whatever standard_conforming_strings
  // says) so that `then` (the COMMIT) can travel in the same simple query: one round trip for the
  // append and the commit; a simple query cannot carry parameters.
  const sequence = literal(tables.eventPositions);
  await client.query(
    `INSERT INTO ${tables.events} (position, event_id, aggregate_type, aggregate_id, aggregate_version, type, event)
     SELECT head.position + e.ord, e.event->>'eventId', e.event->>'aggregateType', e.event->>'aggregateId',
            (e.event->>'aggregateVersion')::integer, e.event->>'type', e.event
       FROM (SELECT setval(${sequence}, coalesce(pg_sequence_last_value(${sequence}), 0) + ${events.length}) - ${events.length} AS position
               FROM (SELECT pg_advisory_xact_lock(hashtextextended(${literal(lockKey(tables.schema, 'outbox'))}, 0))) AS outbox_lock) AS head
      CROSS JOIN jsonb_array_elements(${literal(JSON.stringify(events))}::jsonb) WITH ORDINALITY AS e(event, ord)${rest}`,
  );
}
