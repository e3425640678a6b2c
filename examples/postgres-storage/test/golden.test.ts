import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isKernelError } from 'hostfactory-kernel';
import { GOLDEN_DIR, GOLDEN_RELEASES, GOLDEN_SCHEMA, checkGoldenData } from '../../../test/support/golden';
import { MIGRATIONS, createPostgresStorage, migrate, schemaTables } from '../index';
import { dropSchema, PG_URL, postgresAvailability, uniqueName } from './support/services';

const pgState = await postgresAvailability();

/** Restores `release`'s dump into `schema` (on a client of its own: the dump sets its session's search_path). */
async function restore(release: string, schema: string): Promise<void> {
  const dump = readFileSync(join(GOLDEN_DIR, release, 'postgres.sql'), 'utf8').replaceAll(GOLDEN_SCHEMA, schema);
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(dump);
  } finally {
    await client.end();
  }
}

/** The schema's shape as the catalog records it, with the schema's own name left out. */
async function catalog(pool: pg.Pool, schema: string): Promise<unknown> {
  const strip = (rows: Record<string, unknown>[]) => JSON.parse(JSON.stringify(rows).replaceAll(schema, 'SCHEMA')) as unknown;
  const columns = await pool.query(
    `SELECT table_name, column_name, data_type, is_nullable, column_default, collation_name FROM information_schema.columns
      WHERE table_schema = $1 ORDER BY table_name, column_name`,
    [schema],
  );
  const indexes = await pool.query('SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = $1 ORDER BY indexname', [schema]);
  const constraints = await pool.query(
    `SELECT c.conrelid::regclass::text AS relation, c.conname, pg_get_constraintdef(c.oid) AS definition FROM pg_constraint c
      JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = $1 ORDER BY c.conname`,
    [schema],
  );
  const sequences = await pool.query(
    'SELECT sequencename, data_type, start_value, min_value, increment_by FROM pg_sequences WHERE schemaname = $1 ORDER BY sequencename',
    [schema],
  );
  return { columns: strip(columns.rows), indexes: strip(indexes.rows), constraints: strip(constraints.rows), sequences: strip(sequences.rows) };
}

describe.skipIf(pgState.skip)('the PostgreSQL example on the stored data of each release', () => {
  const schemas: string[] = [];
  let pool: pg.Pool;
  const schemaFor = (prefix: string) => {
    const schema = uniqueName(prefix);
    schemas.push(schema);
    return schema;
  };

  beforeAll(() => {
    pool = new pg.Pool({ connectionString: PG_URL, max: 4 });
  });
  afterAll(async () => {
    for (const schema of schemas) await dropSchema(pool, schema);
    await pool.end();
  });

  describe.each(GOLDEN_RELEASES)('%s', (release) => {
    it('migrates forward to exactly the schema of a new database, applying only the versions it lacks', async () => {
      const [old, fresh] = [schemaFor('hf_golden'), schemaFor('hf_golden_new')];
      await restore(release, old);
      const recorded = await pool.query<{ version: number; name: string }>(`SELECT version, name FROM "${old}".schema_migrations ORDER BY version`);
      // Forward-only: what a release applied is still the same step (never edited, renumbered or dropped).
      expect(recorded.rows).toEqual(MIGRATIONS.slice(0, recorded.rows.length).map((m) => ({ version: m.version, name: m.name })));
      const before = Math.max(0, ...recorded.rows.map((r) => r.version));
      expect(await migrate(pool, schemaTables(old))).toEqual(MIGRATIONS.filter((m) => m.version > before).map((m) => m.version));
      await migrate(pool, schemaTables(fresh));
      expect(await catalog(pool, old)).toEqual(await catalog(pool, fresh));
      expect(await migrate(pool, schemaTables(old)), 'a second start applies nothing').toEqual([]);
    });

    it('answers as that release did, continues its open requests to completion, and rebuilds the same read models', async () => {
      const schema = schemaFor('hf_golden');
      await restore(release, schema);
      const storage = await createPostgresStorage({ pool, schema });
      await checkGoldenData(storage, release);
    });
  });

  it('refuses to start on a schema a newer release migrated, and changes nothing', async () => {
    const schema = schemaFor('hf_golden_future');
    const tables = schemaTables(schema);
    await migrate(pool, tables);
    const next = Math.max(...MIGRATIONS.map((m) => m.version)) + 1;
    await pool.query(`INSERT INTO ${tables.migrations} (version, name) VALUES ($1, 'from a newer release')`, [next]);
    const error = await migrate(pool, tables).catch((e: unknown) => e);
    expect(isKernelError(error, 'STORAGE_SCHEMA_MISMATCH'), String(error)).toBe(true);
    expect((error as { details: unknown }).details).toEqual({ schema, schemaVersion: next, expected: next - 1 });
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM ${tables.migrations}`);
    expect(rows[0].n).toBe(MIGRATIONS.length + 1);
  });
});
