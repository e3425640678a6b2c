import type Database from 'better-sqlite3';
import {
  checkClaimArguments,
  deadLetterNotFound,
  leaseLost,
  type DeadLetter,
  type ProcessorClaim,
  type ProcessorState,
  type ProcessorStore,
  type Transaction,
} from 'hostfactory-kernel/storage';
import type { SqliteTransaction, SqliteUnitOfWork } from './unit-of-work';

interface LetterRow {
  processor: string;
  position: number;
  stream: string;
  event: string;
  attempts: number;
  error: string;
  failed_at: string;
}

/** Keys `name` and `name#n` (no LIKE: `_` is a wildcard there). */
const OF_NAME = (column: string): string => `(${column} = ? OR substr(${column}, 1, length(?) + 1) = ? || '#')`;

/**
 * Checkpoints, leases and dead letters on SQLite. Every call runs in a unit-of-work transaction
 * under SQLite's one write lock, so claims and checkpoint moves of several processes on one file
 * never interleave; a checkpoint move checks the claim's epoch in the handler's own transaction.
 * Lease times are this host's clock (processes sharing a file share a host).
 */
export class SqliteProcessorStore implements ProcessorStore {
  constructor(private readonly unitOfWork: SqliteUnitOfWork) {}

  async claim(processor: string, owner: string, leaseMs: number): Promise<ProcessorClaim | undefined> {
    checkClaimArguments(processor, owner, leaseMs);
    return this.#write((db) => {
      const now = Date.now();
      db.prepare('INSERT INTO processors (name) VALUES (?) ON CONFLICT (name) DO NOTHING').run(processor);
      const row = db.prepare<[string], { position: number; epoch: number; owner: string | null; lease_until: number | null }>('SELECT position, epoch, owner, lease_until FROM processors WHERE name = ?').get(processor)!;
      const held = row.owner !== null && (row.lease_until ?? 0) > now;
      if (held && row.owner !== owner) return undefined;
      const epoch = held ? row.epoch : row.epoch + 1;
      db.prepare('UPDATE processors SET epoch = ?, owner = ?, lease_until = ? WHERE name = ?').run(epoch, owner, now + leaseMs, processor);
      return { processor, owner, epoch, position: row.position };
    });
  }

  renew(claim: ProcessorClaim, leaseMs: number): Promise<boolean> {
    return this.#write((db) => db.prepare('UPDATE processors SET lease_until = ? WHERE name = ? AND epoch = ? AND owner = ?').run(Date.now() + leaseMs, claim.processor, claim.epoch, claim.owner).changes === 1);
  }

  async release(claim: ProcessorClaim): Promise<void> {
    await this.#write((db) => db.prepare('UPDATE processors SET owner = NULL, lease_until = NULL WHERE name = ? AND epoch = ? AND owner = ?').run(claim.processor, claim.epoch, claim.owner));
  }

  advance<T>(claim: ProcessorClaim, position: number, work: (tx: Transaction) => Promise<T>, parked: readonly DeadLetter[] = []): Promise<T> {
    return this.unitOfWork.transaction(async (tx) => {
      const db = await tx.database();
      const moved = db.prepare('UPDATE processors SET position = max(position, ?) WHERE name = ? AND epoch = ? AND owner = ?').run(position, claim.processor, claim.epoch, claim.owner);
      if (moved.changes !== 1) throw leaseLost(claim);
      const insert = db.prepare(
        `INSERT INTO processor_dead_letters (processor, position, stream, event, attempts, error, failed_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (processor, position) DO UPDATE SET attempts = excluded.attempts, error = excluded.error, failed_at = excluded.failed_at`,
      );
      for (const l of parked) insert.run(l.processor, l.position, l.stream, JSON.stringify(l.event), l.attempts, l.error, l.failedAt);
      return work(tx);
    });
  }

  deadLetters(processor: string): Promise<DeadLetter[]> {
    return this.#write((db) =>
      db
        .prepare<[string, string, string], LetterRow>(`SELECT * FROM processor_dead_letters WHERE ${OF_NAME('processor')} ORDER BY position, processor`)
        .all(processor, processor, processor)
        .map((r) => ({ processor: r.processor, position: r.position, stream: r.stream, event: JSON.parse(r.event) as DeadLetter['event'], attempts: r.attempts, error: r.error, failedAt: r.failed_at })),
    );
  }

  settle<T>(processor: string, position: number, work: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.unitOfWork.transaction(async (tx) => {
      const db = await tx.database();
      if (db.prepare('DELETE FROM processor_dead_letters WHERE processor = ? AND position = ?').run(processor, position).changes !== 1) throw deadLetterNotFound(processor, position);
      return work(tx);
    });
  }

  async reset(processor: string, position: number): Promise<void> {
    await this.#write((db) => {
      db.prepare(
        `INSERT INTO processors (name, position, epoch) VALUES (?, ?, 1)
         ON CONFLICT (name) DO UPDATE SET position = excluded.position, epoch = epoch + 1, owner = NULL, lease_until = NULL`,
      ).run(processor, position);
      db.prepare('DELETE FROM processor_dead_letters WHERE processor = ? AND position > ?').run(processor, position);
    });
  }

  states(name: string): Promise<ProcessorState[]> {
    return this.#write((db) => {
      const now = Date.now();
      const rows = db
        .prepare<[string, string, string], { name: string; position: number; epoch: number; owner: string | null; lease_until: number | null }>(`SELECT * FROM processors WHERE ${OF_NAME('name')} ORDER BY name`)
        .all(name, name, name);
      return rows.map((r) => {
        const live = r.owner !== null && (r.lease_until ?? 0) > now;
        return { processor: r.name, position: r.position, epoch: r.epoch, owner: live ? r.owner! : undefined, leaseRemainingMs: live ? r.lease_until! - now : 0 };
      });
    });
  }

  async heartbeat(name: string, owner: string, ttlMs: number): Promise<number> {
    checkClaimArguments(name, owner, ttlMs);
    return this.#write((db) => {
      const now = Date.now();
      db.prepare('INSERT INTO processor_members (name, owner, until) VALUES (?, ?, ?) ON CONFLICT (name, owner) DO UPDATE SET until = excluded.until').run(name, owner, now + ttlMs);
      db.prepare('DELETE FROM processor_members WHERE name = ? AND until <= ?').run(name, now);
      return db.prepare<[string], { live: number }>('SELECT count(*) AS live FROM processor_members WHERE name = ?').get(name)!.live;
    });
  }

  async leave(name: string, owner: string): Promise<void> {
    await this.#write((db) => db.prepare('DELETE FROM processor_members WHERE name = ? AND owner = ?').run(name, owner));
  }

  /** Runs `step` on the writer connection in a transaction of its own. */
  #write<T>(step: (db: Database.Database) => T): Promise<T> {
    return this.unitOfWork.transaction(async (tx: SqliteTransaction) => step(await tx.database()));
  }
}
