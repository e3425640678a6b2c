import { basename } from 'node:path';
import type Database from 'better-sqlite3';
import { SqliteStorageError } from './errors';

/** One versioned schema change. Never edit a shipped migration: add the next version instead. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/**
 * The sort key of a read-model field as the query compiler writes it (see read-model-store.ts).
 * Index expressions must match the query's text exactly to be used, so this one is spelled out.
 */
const CREATED_AT_RANK = `CASE json_type(doc, '$.createdAt') WHEN 'true' THEN 1 WHEN 'false' THEN 1 WHEN 'integer' THEN 2 WHEN 'real' THEN 2 WHEN 'text' THEN 3 WHEN 'array' THEN 4 WHEN 'object' THEN 4 ELSE 0 END`;
const CREATED_AT_VALUE = `CASE WHEN json_type(doc, '$.createdAt') IN ('array', 'object') THEN NULL ELSE json_extract(doc, '$.createdAt') END`;
const CREATED_AT = `${CREATED_AT_RANK}, ${CREATED_AT_VALUE}, id`;

/** Every migration, in order. Applied once each, each in its own IMMEDIATE transaction. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'aggregates',
    sql: `
      CREATE TABLE templates (
        id       TEXT PRIMARY KEY,
        version  INTEGER NOT NULL CHECK (version > 0),
        snapshot TEXT NOT NULL CHECK (json_valid(snapshot))
      ) STRICT;

      CREATE TABLE requests (
        id              TEXT PRIMARY KEY,
        version         INTEGER NOT NULL CHECK (version > 0),
        type            TEXT NOT NULL,
        status          TEXT NOT NULL,
        template_id     TEXT,
        idempotency_key TEXT UNIQUE,
        created_at      TEXT NOT NULL,
        snapshot        TEXT NOT NULL CHECK (json_valid(snapshot))
      ) STRICT;
      CREATE INDEX requests_by_template ON requests (template_id, status, created_at, id);
      CREATE INDEX requests_by_status ON requests (status, type, created_at, id);

      CREATE TABLE machines (
        id                TEXT PRIMARY KEY,
        version           INTEGER NOT NULL CHECK (version > 0),
        request_id        TEXT NOT NULL,
        return_request_id TEXT,
        name              TEXT,
        template_id       TEXT NOT NULL,
        status            TEXT NOT NULL,
        created_at        TEXT NOT NULL,
        snapshot          TEXT NOT NULL CHECK (json_valid(snapshot))
      ) STRICT;
      CREATE INDEX machines_by_request ON machines (request_id, created_at, id);
      CREATE INDEX machines_by_return_request ON machines (return_request_id, created_at, id);
      CREATE INDEX machines_by_name ON machines (name, created_at, id);
      CREATE INDEX machines_by_template ON machines (template_id, status, created_at, id);
      CREATE INDEX machines_by_status ON machines (status, created_at, id);
    `,
  },
  {
    version: 2,
    name: 'event log',
    sql: `
      -- AUTOINCREMENT: a position is never reused, and a rolled-back transaction leaves no gap
      -- (its sqlite_sequence update rolls back with it).
      CREATE TABLE events (
        position          INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id          TEXT NOT NULL UNIQUE,
        aggregate_type    TEXT NOT NULL,
        aggregate_id      TEXT NOT NULL,
        aggregate_version INTEGER NOT NULL,
        type              TEXT NOT NULL,
        payload           TEXT NOT NULL CHECK (json_valid(payload)),
        committed_at      TEXT NOT NULL
      ) STRICT;
      CREATE INDEX events_by_aggregate ON events (aggregate_type, aggregate_id, position);
    `,
  },
  {
    version: 3,
    name: 'read models',
    sql: `
      CREATE TABLE read_models (
        collection TEXT NOT NULL,
        id         TEXT NOT NULL,
        doc        TEXT NOT NULL CHECK (json_valid(doc)),
        PRIMARY KEY (collection, id)
      ) STRICT;
      -- The fields the library filters on (requests: status, type, templateId; machines:
      -- requestId, templateId, status, name), shared by every collection that has them. Each is
      -- followed by the library's sort (createdAt desc, id desc), so one index serves the filter
      -- and the order of a page, without sorting the matches.
      CREATE INDEX read_models_status ON read_models (collection, json_extract(doc, '$.status'), ${CREATED_AT});
      CREATE INDEX read_models_type ON read_models (collection, json_extract(doc, '$.type'), ${CREATED_AT});
      CREATE INDEX read_models_template_id ON read_models (collection, json_extract(doc, '$.templateId'), ${CREATED_AT});
      CREATE INDEX read_models_request_id ON read_models (collection, json_extract(doc, '$.requestId'), ${CREATED_AT});
      CREATE INDEX read_models_name ON read_models (collection, json_extract(doc, '$.name'), ${CREATED_AT});
      -- Unfiltered newest-first listings walk this one.
      CREATE INDEX read_models_created_at ON read_models (collection, ${CREATED_AT});
    `,
  },
  // Self-contained: event processors (docs/processors.md) touch no table of versions 1-3.
  {
    version: 4,
    name: 'event processors: checkpoints, leases and dead letters',
    sql: `
      CREATE TABLE processors (
        name        TEXT PRIMARY KEY,
        position    INTEGER NOT NULL DEFAULT 0,
        epoch       INTEGER NOT NULL DEFAULT 0,
        owner       TEXT,
        lease_until INTEGER
      ) STRICT;

      CREATE TABLE processor_dead_letters (
        processor TEXT NOT NULL,
        position  INTEGER NOT NULL,
        stream    TEXT NOT NULL,
        event     TEXT NOT NULL CHECK (json_valid(event)),
        attempts  INTEGER NOT NULL,
        error     TEXT NOT NULL,
        failed_at TEXT NOT NULL,
        PRIMARY KEY (processor, position)
      ) STRICT;

      CREATE TABLE processor_members (
        name  TEXT NOT NULL,
        owner TEXT NOT NULL,
        until INTEGER NOT NULL,
        PRIMARY KEY (name, owner)
      ) STRICT;
    `,
  },
];

/** The schema version this code expects (the last migration). */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

/**
 * Brings the database to {@link SCHEMA_VERSION}: each missing migration runs in its own
 * `BEGIN IMMEDIATE` transaction and is recorded in `schema_migrations`, so processes starting
 * together apply each exactly once. A current database is only read. Returns the versions applied.
 */
export function migrate(db: Database.Database): number[] {
  // The common case (already current) only reads, so opening never waits for a busy writer.
  if (schemaVersion(db) === SCHEMA_VERSION) return [];
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
  ) STRICT`);
  requireKnownSchema(db, db.name);
  const applied: number[] = [];
  const isApplied = db.prepare<[number], { version: number }>('SELECT version FROM schema_migrations WHERE version = ?');
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const migration of MIGRATIONS) {
    db.transaction(() => {
      // Checked inside the write lock: another process may have applied it since we looked.
      if (isApplied.get(migration.version) !== undefined) return;
      db.exec(migration.sql);
      record.run(migration.version, migration.name, new Date().toISOString());
      applied.push(migration.version);
    }).immediate();
  }
  return applied;
}

/** The highest applied migration, 0 for an empty database. */
export function schemaVersion(db: Database.Database): number {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (table === undefined) return 0;
  const row = db.prepare<[], { version: number | null }>('SELECT max(version) AS version FROM schema_migrations').get();
  return row?.version ?? 0;
}

/** Throws STORAGE_SCHEMA_MISMATCH unless the database is exactly at {@link SCHEMA_VERSION} (read-only opens cannot migrate). */
export function requireCurrentSchema(db: Database.Database, filename: string): void {
  const version = schemaVersion(db);
  if (version === SCHEMA_VERSION) return;
  throw new SqliteStorageError(
    'STORAGE_SCHEMA_MISMATCH',
    `The database ${basename(filename)} is at schema version ${version}, this adapter needs ${SCHEMA_VERSION}; open it once without { readonly: true } to migrate it.`,
    { filename, schemaVersion: version, expected: SCHEMA_VERSION },
  );
}

function requireKnownSchema(db: Database.Database, filename: string): void {
  const version = schemaVersion(db);
  if (version <= SCHEMA_VERSION) return;
  throw new SqliteStorageError(
    'STORAGE_SCHEMA_MISMATCH',
    `The database ${basename(filename)} is at schema version ${version}, newer than this adapter knows (${SCHEMA_VERSION}); a newer release migrated it. Upgrade this process instead of downgrading the database.`,
    { filename, schemaVersion: version, expected: SCHEMA_VERSION },
  );
}
