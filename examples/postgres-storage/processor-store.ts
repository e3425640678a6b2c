import type { Pool } from 'pg';
import {
  checkClaimArguments,
  deadLetterNotFound,
  leaseLost,
  type DeadLetter,
  type DomainEvent,
  type ProcessorClaim,
  type ProcessorState,
  type ProcessorStore,
  type Transaction,
} from 'hostfactory-kernel/storage';
import type { SchemaTables } from './sql';
import type { PostgresTransaction, PostgresUnitOfWork } from './unit-of-work';

/** Rows of `deadLetters` whose processor is `$1` or one of its partitions `$1#n` (no LIKE: `_` is a wildcard there). */
const OF_NAME = `(processor = $1 OR left(processor, length($1) + 1) = $1 || '#')`;

/**
 * Checkpoints, leases and dead letters on PostgreSQL. A claim takes the key's row with
 * `FOR UPDATE SKIP LOCKED`, so replicas racing for a key never wait on each other; a checkpoint
 * move locks the row first in the unit of work's own transaction (the handler's writes and the
 * move commit together) and only if the claim's epoch is still the row's. Lease times are the
 * database's clock, so replicas' clocks need not agree.
 */
export class PostgresProcessorStore implements ProcessorStore {
  constructor(
    private readonly pool: Pool,
    private readonly tables: SchemaTables,
    private readonly unitOfWork: PostgresUnitOfWork,
  ) {}

  async claim(processor: string, owner: string, leaseMs: number): Promise<ProcessorClaim | undefined> {
    checkClaimArguments(processor, owner, leaseMs);
    const t = this.tables.processors;
    await this.pool.query(`INSERT INTO ${t} (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`, [processor]);
    const { rows } = await this.pool.query<{ position: string; epoch: string }>(
      `UPDATE ${t} AS p
          SET epoch = CASE WHEN p.owner = $2 AND p.lease_until > now() THEN p.epoch ELSE p.epoch + 1 END,
              owner = $2, lease_until = now() + $3 * interval '1 millisecond'
         FROM (SELECT name FROM ${t} WHERE name = $1 AND (owner IS NULL OR lease_until <= now() OR owner = $2) FOR UPDATE SKIP LOCKED) AS free
        WHERE p.name = free.name
        RETURNING p.position, p.epoch`,
      [processor, owner, leaseMs],
    );
    const row = rows[0];
    return row === undefined ? undefined : { processor, owner, epoch: Number(row.epoch), position: Number(row.position) };
  }

  async renew(claim: ProcessorClaim, leaseMs: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE ${this.tables.processors} SET lease_until = now() + $4 * interval '1 millisecond' WHERE name = $1 AND epoch = $2 AND owner = $3`,
      [claim.processor, claim.epoch, claim.owner, leaseMs],
    );
    return rowCount === 1;
  }

  async release(claim: ProcessorClaim): Promise<void> {
    await this.pool.query(`UPDATE ${this.tables.processors} SET owner = NULL, lease_until = NULL WHERE name = $1 AND epoch = $2 AND owner = $3`, [
      claim.processor,
      claim.epoch,
      claim.owner,
    ]);
  }

  advance<T>(claim: ProcessorClaim, position: number, work: (tx: Transaction) => Promise<T>, parked: readonly DeadLetter[] = []): Promise<T> {
    return this.unitOfWork.transaction(async (tx) => {
      const { query } = tx as PostgresTransaction;
      // First statement: the row stays locked until the commit, so no claim can take it meanwhile.
      const { rowCount } = await query(`UPDATE ${this.tables.processors} SET position = greatest(position, $4) WHERE name = $1 AND epoch = $2 AND owner = $3`, [
        claim.processor,
        claim.epoch,
        claim.owner,
        position,
      ]);
      if (rowCount !== 1) throw leaseLost(claim);
      for (const letter of parked) {
        await query(
          `INSERT INTO ${this.tables.deadLetters} (processor, position, stream, event, attempts, error, failed_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (processor, position) DO UPDATE SET attempts = excluded.attempts, error = excluded.error, failed_at = excluded.failed_at`,
          [letter.processor, letter.position, letter.stream, JSON.stringify(letter.event), letter.attempts, letter.error, letter.failedAt],
        );
      }
      return work(tx);
    });
  }

  async deadLetters(processor: string): Promise<DeadLetter[]> {
    const { rows } = await this.pool.query<{ processor: string; position: string; stream: string; event: DomainEvent; attempts: number; error: string; failed_at: string }>(
      `SELECT processor, position, stream, event, attempts, error, failed_at FROM ${this.tables.deadLetters} WHERE ${OF_NAME} ORDER BY position, processor`,
      [processor],
    );
    return rows.map((r) => ({ processor: r.processor, position: Number(r.position), stream: r.stream, event: r.event, attempts: r.attempts, error: r.error, failedAt: r.failed_at }));
  }

  settle<T>(processor: string, position: number, work: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.unitOfWork.transaction(async (tx) => {
      const { rowCount } = await (tx as PostgresTransaction).query(`DELETE FROM ${this.tables.deadLetters} WHERE processor = $1 AND position = $2`, [processor, position]);
      if (rowCount !== 1) throw deadLetterNotFound(processor, position);
      return work(tx);
    });
  }

  async reset(processor: string, position: number): Promise<void> {
    const t = this.tables;
    // One statement, so one transaction: the checkpoint, the fence and the letters change together.
    await this.pool.query(
      `WITH moved AS (
         INSERT INTO ${t.processors} (name, position, epoch) VALUES ($1, $2, 1)
         ON CONFLICT (name) DO UPDATE SET position = $2, epoch = ${t.processors}.epoch + 1, owner = NULL, lease_until = NULL
         RETURNING name)
       DELETE FROM ${t.deadLetters} WHERE processor = (SELECT name FROM moved) AND position > $2`,
      [processor, position],
    );
  }

  async heartbeat(name: string, owner: string, ttlMs: number): Promise<number> {
    checkClaimArguments(name, owner, ttlMs);
    const t = this.tables.processorMembers;
    // One statement: refresh this member, forget long-expired ones, count the live ones.
    const { rows } = await this.pool.query<{ live: string }>(
      `WITH beat AS (
         INSERT INTO ${t} (name, owner, until) VALUES ($1, $2, now() + $3 * interval '1 millisecond')
         ON CONFLICT (name, owner) DO UPDATE SET until = excluded.until RETURNING owner),
       gone AS (DELETE FROM ${t} WHERE name = $1 AND until < now() - interval '1 hour')
       SELECT (SELECT count(*) FROM ${t} WHERE name = $1 AND until > now() AND owner <> $2) + 1 AS live`,
      [name, owner, ttlMs],
    );
    return Number(rows[0]!.live);
  }

  async leave(name: string, owner: string): Promise<void> {
    await this.pool.query(`DELETE FROM ${this.tables.processorMembers} WHERE name = $1 AND owner = $2`, [name, owner]);
  }

  async states(name: string): Promise<ProcessorState[]> {
    const { rows } = await this.pool.query<{ name: string; position: string; epoch: string; owner: string | null; remaining: string }>(
      `SELECT name, position, epoch, CASE WHEN lease_until > now() THEN owner END AS owner,
              greatest(0, floor(extract(epoch FROM lease_until - now()) * 1000)) AS remaining
         FROM ${this.tables.processors} WHERE name = $1 OR left(name, length($1) + 1) = $1 || '#' ORDER BY name`,
      [name],
    );
    return rows.map((r) => ({ processor: r.name, position: Number(r.position), epoch: Number(r.epoch), owner: r.owner ?? undefined, leaseRemainingMs: r.owner === null ? 0 : Number(r.remaining ?? 0) }));
  }
}
