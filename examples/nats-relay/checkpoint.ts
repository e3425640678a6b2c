import type pg from 'pg';
import type { RelayCheckpoint } from './relay';

/**
 * A relay checkpoint in a `relay_checkpoints` table of the storage's schema, one row per relay
 * name. Saves only move it forward, so a stale relay cannot rewind it.
 */
export class PostgresRelayCheckpoint implements RelayCheckpoint {
  readonly #table: string;

  constructor(
    private readonly pool: pg.Pool,
    schema: string,
    private readonly name: string,
  ) {
    this.#table = `"${schema}".relay_checkpoints`;
  }

  /** Creates the checkpoint table if missing (idempotent). */
  static async install(pool: pg.Pool, schema: string): Promise<void> {
    await pool.query(`CREATE TABLE IF NOT EXISTS "${schema}".relay_checkpoints (name text PRIMARY KEY, position bigint NOT NULL)`);
  }

  async load(): Promise<number> {
    const { rows } = await this.pool.query<{ position: string }>(`SELECT position FROM ${this.#table} WHERE name = $1`, [this.name]);
    return Number(rows[0]?.position ?? 0);
  }

  async save(position: number): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.#table} (name, position) VALUES ($1, $2)
       ON CONFLICT (name) DO UPDATE SET position = GREATEST(${this.#table}.position, EXCLUDED.position)`,
      [this.name, position],
    );
  }
}

/** A held relay lease; {@link RelayLease.release} ends it (so does the process dying). */
export interface RelayLease {
  /** Settles if the lease's connection fails: another relay may take over, so stop publishing. */
  readonly lost: Promise<void>;
  release(): Promise<void>;
}

/**
 * Makes the relay of `name` a singleton across replicas: waits for a session-level advisory lock
 * held on a dedicated connection. Every replica may run the relay; one publishes, the others wait
 * as hot standbys and take over within moments of its connection closing (crash included).
 */
export async function acquireRelayLease(pool: pg.Pool, schema: string, name: string): Promise<RelayLease> {
  const client = await pool.connect();
  const key = `hostfactory:${schema}:relay:${name}`;
  try {
    await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [key]);
  } catch (error) {
    client.release(error as Error);
    throw error;
  }
  const lost = new Promise<void>((resolve) => {
    client.once('error', () => resolve());
    client.once('end', () => resolve());
  });
  return {
    lost,
    release: async () => {
      try {
        await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key]);
        // Destroyed rather than pooled: it carries the `lost` listeners.
        client.release(true);
      } catch (error) {
        client.release(error as Error);
      }
    },
  };
}
