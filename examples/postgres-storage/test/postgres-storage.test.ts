import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storageContract } from 'hostfactory-kernel/testing';
import { createPostgresStorage, MIGRATIONS, type PostgresStorage } from '../index';
import { dropSchema, PG_URL, postgresAvailability, uniqueName } from './support/services';

const pgState = await postgresAvailability();

describe.skipIf(pgState.skip)('PostgreSQL storage', () => {
  const schema = uniqueName('hf_contract');
  let pool: pg.Pool;
  let storage: PostgresStorage;

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: PG_URL, max: 8 });
    storage = await createPostgresStorage({ pool, schema });
  });

  afterAll(async () => {
    await dropSchema(pool, schema);
    await pool.end();
  });

  describe('storage contract: postgres adapter', () => {
    // One schema for the whole suite; each case starts from emptied tables.
    const cases = storageContract({
      name: 'postgres adapter',
      create: async () => {
        const t = storage.tables;
        for (const table of [t.templates, t.requests, t.machines, t.events, t.readModels, t.processors, t.deadLetters, t.processorMembers]) await pool.query(`DELETE FROM ${table}`);
        await pool.query(`SELECT setval($1, 0)`, [t.eventPositions]);
        return storage;
      },
    });
    for (const contractCase of cases) it(contractCase.name, contractCase.run);
  });

  it('migrates a new schema once when several replicas start together', async () => {
    const fresh = uniqueName('hf_migrate');
    try {
      const starters = await Promise.all(Array.from({ length: 4 }, () => createPostgresStorage({ pool, schema: fresh })));
      const { rows } = await pool.query<{ version: number }>(`SELECT version FROM "${fresh}".schema_migrations ORDER BY version`);
      expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
      expect(await starters[0]?.eventLog.head()).toBe(0);
    } finally {
      await dropSchema(pool, fresh);
    }
  });

  it('rejects a schema name that is not a plain identifier', async () => {
    await expect(createPostgresStorage({ pool, schema: 'Bad-Name; DROP' })).rejects.toMatchObject({ code: 'INVALID_CONFIGURATION' });
  });

  it('answers the finders and the library\'s read-model filters from indexes', async () => {
    const t = storage.tables;
    const plan = async (sql: string, params: unknown[]): Promise<string> => {
      const client = await pool.connect();
      try {
        await client.query('SET enable_seqscan = off');
        const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params);
        return rows.map((r) => r['QUERY PLAN']).join('\n');
      } finally {
        await client.query('RESET enable_seqscan');
        client.release();
      }
    };
    expect(await plan(`SELECT snapshot FROM ${t.requests} WHERE template_id = $1 AND status IN ('pending', 'in_progress') ORDER BY created_at, id`, ['t'])).toMatch(/requests_open_by_template/);
    expect(await plan(`SELECT snapshot FROM ${t.machines} WHERE name = $1`, ['h'])).toMatch(/machines_name/);
    expect(await plan(`SELECT doc FROM ${t.readModels} WHERE collection = 'requests' AND coalesce((doc #> '{"status"}'::text[]), 'null'::jsonb) = ANY($1::jsonb[])`, [['"pending"']])).toMatch(/read_models_status/);
  });
});
