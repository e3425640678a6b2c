import type { Pool } from 'pg';
import { KernelError } from 'hostfactory-kernel';
import { equalitySql, INDEXED_FIELDS } from './read-model-sql';
import { literal, lockKey, type SchemaTables } from './sql';

/** One schema change; `sql` gets the schema's table names and returns the statements to run. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  sql(t: SchemaTables): string;
}

/**
 * The adapter's schema, version by version. Applied versions are never edited: a change is a new
 * entry. Text that is sorted or compared uses COLLATE "C" (code-point order, as `compareCodePoints` of
 * hostfactory-kernel/storage; JavaScript's `<` compares UTF-16 code units instead).
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'aggregates, event log and read models',
    sql: (t) => `
      CREATE TABLE ${t.templates} (
        id text COLLATE "C" PRIMARY KEY,
        version integer NOT NULL,
        snapshot jsonb NOT NULL
      );

      CREATE TABLE ${t.requests} (
        id text COLLATE "C" PRIMARY KEY,
        version integer NOT NULL,
        snapshot jsonb NOT NULL,
        type text NOT NULL,
        status text NOT NULL,
        template_id text,
        idempotency_key text,
        created_at text COLLATE "C" NOT NULL
      );
      CREATE UNIQUE INDEX requests_idempotency_key ON ${t.requests} (idempotency_key) WHERE idempotency_key IS NOT NULL;
      CREATE INDEX requests_open_by_template ON ${t.requests} (template_id, created_at, id) WHERE status IN ('pending', 'in_progress');
      CREATE INDEX requests_status ON ${t.requests} (status, created_at, id);

      CREATE TABLE ${t.machines} (
        id text COLLATE "C" PRIMARY KEY,
        version integer NOT NULL,
        snapshot jsonb NOT NULL,
        request_id text NOT NULL,
        return_request_id text,
        name text,
        template_id text NOT NULL,
        status text NOT NULL,
        created_at text COLLATE "C" NOT NULL
      );
      CREATE INDEX machines_request ON ${t.machines} (request_id, created_at, id);
      CREATE INDEX machines_return_request ON ${t.machines} (return_request_id) WHERE return_request_id IS NOT NULL;
      CREATE INDEX machines_name ON ${t.machines} (name) WHERE name IS NOT NULL;
      CREATE INDEX machines_template_status ON ${t.machines} (template_id, status);
      CREATE INDEX machines_status ON ${t.machines} (status, created_at, id);

      -- The outbox and the event log are one table. Positions are drawn at commit under the outbox
      -- lock from a sequence (non-transactional, so REPEATABLE READ appenders see its latest value).
      CREATE SEQUENCE ${t.eventPositions} AS bigint MINVALUE 0 START 0;
      CREATE TABLE ${t.events} (
        position bigint PRIMARY KEY,
        event_id text NOT NULL UNIQUE,
        aggregate_type text NOT NULL,
        aggregate_id text NOT NULL,
        aggregate_version integer NOT NULL,
        type text NOT NULL,
        event jsonb NOT NULL,
        transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
        committed_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX events_aggregate ON ${t.events} (aggregate_type, aggregate_id, position);

      CREATE TABLE ${t.readModels} (
        collection text COLLATE "C" NOT NULL,
        id text COLLATE "C" NOT NULL,
        doc jsonb NOT NULL,
        PRIMARY KEY (collection, id)
      );
      ${INDEXED_FIELDS.map((field) => `CREATE INDEX ${`read_models_${field.toLowerCase()}`} ON ${t.readModels} (collection, (${equalitySql(field)}));`).join('\n      ')}
    `,
  },
  // Self-contained: event processors (docs/processors.md) touch no table of version 1.
  {
    version: 2,
    name: 'event processors: checkpoints, leases and dead letters',
    sql: (t) => `
      CREATE TABLE ${t.processors} (
        name text COLLATE "C" PRIMARY KEY,
        position bigint NOT NULL DEFAULT 0,
        epoch bigint NOT NULL DEFAULT 0,
        owner text,
        lease_until timestamptz
      );
      CREATE TABLE ${t.deadLetters} (
        processor text COLLATE "C" NOT NULL,
        position bigint NOT NULL,
        stream text NOT NULL,
        event jsonb NOT NULL,
        attempts integer NOT NULL,
        error text NOT NULL,
        failed_at text NOT NULL,
        PRIMARY KEY (processor, position)
      );
      CREATE TABLE ${t.processorMembers} (
        name text COLLATE "C" NOT NULL,
        owner text NOT NULL,
        until timestamptz NOT NULL,
        PRIMARY KEY (name, owner)
      );
    `,
  },
];

/**
 * Brings `schema` up to the latest migration in one transaction, under a transaction-scoped
 * advisory lock on the schema, so replicas starting together apply each version exactly once
 * (the others wait, then find it recorded in `schema_migrations`). Returns the versions applied.
 */
export async function migrate(pool: Pool, t: SchemaTables, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [lockKey(t.schema, 'migrations')]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${t.schema}"`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${t.migrations} (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${t.migrations}`);
    const done = new Set(rows.map((r) => r.version));
    requireKnownSchema(t, done, migrations);
    const applied: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(migration.version)) continue;
      await client.query(migration.sql(t));
      await client.query(`INSERT INTO ${t.migrations} (version, name) VALUES (${migration.version}, ${literal(migration.name)})`);
      applied.push(migration.version);
    }
    await client.query('COMMIT');
    return applied;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
    throw error;
  } finally {
    client.release(broken);
  }
}

/**
 * Forward-only: a schema a newer release migrated (a recorded version this code does not have) is
 * refused with STORAGE_SCHEMA_MISMATCH before anything runs; upgrade the process, never the other way.
 */
function requireKnownSchema(t: SchemaTables, done: ReadonlySet<number>, migrations: readonly Migration[]): void {
  const known = Math.max(0, ...migrations.map((m) => m.version));
  const stored = Math.max(0, ...done);
  if (stored <= known) return;
  throw new KernelError(
    'STORAGE_SCHEMA_MISMATCH',
    `The schema "${t.schema}" is at version ${stored}, newer than this adapter knows (${known}); a newer release migrated it. Upgrade this process instead of downgrading the database.`,
    { details: { schema: t.schema, schemaVersion: stored, expected: known } },
  );
}
