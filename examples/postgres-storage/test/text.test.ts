import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storageContract } from 'hostfactory-kernel/testing';
import { hostileTextCases } from '../../../test/support/hostile-text';
import { createPostgresStorage, type PostgresStorage } from '../index';
import { dropSchema, PG_URL, postgresAvailability, uniqueName } from './support/services';

/*
 * The one rule for text on PostgreSQL (docs/domain.md, "Text"; docs/reliability.md), with the server's
 * standard_conforming_strings on (the default) and off: a server reading plain '...' literals with
 * backslash escapes must not change one byte of what the adapter stores. The whole storage contract
 * runs again with it off.
 */
const pgState = await postgresAvailability();

for (const conforming of ['on', 'off'] as const) {
  describe.skipIf(pgState.skip)(`PostgreSQL storage with standard_conforming_strings = ${conforming}`, () => {
    const schema = uniqueName(`hf_text_${conforming}`);
    let pool: pg.Pool;
    let storage: PostgresStorage;

    beforeAll(async () => {
      // Per session, for this pool alone: every connection of the test starts with the setting.
      pool = new pg.Pool({ connectionString: PG_URL, max: 6, options: `-c standard_conforming_strings=${conforming}` });
      storage = await createPostgresStorage({ pool, schema });
    });

    afterAll(async () => {
      await dropSchema(pool, schema);
      await pool.end();
    });

    const fresh = async (): Promise<PostgresStorage> => {
      const t = storage.tables;
      for (const table of [t.templates, t.requests, t.machines, t.events, t.readModels, t.processors, t.deadLetters, t.processorMembers]) await pool.query(`DELETE FROM ${table}`);
      await pool.query(`SELECT setval($1, 0)`, [t.eventPositions]);
      return storage;
    };

    it('runs every connection with the setting under test', async () => {
      const { rows } = await pool.query<{ standard_conforming_strings: string }>('SHOW standard_conforming_strings');
      expect(rows[0]?.standard_conforming_strings).toBe(conforming);
    });

    describe('hostile text through the ports', () => {
      hostileTextCases(fresh);
    });

    if (conforming === 'off') {
      describe('storage contract: postgres adapter, standard_conforming_strings off', () => {
        const cases = storageContract({ name: 'postgres adapter (standard_conforming_strings off)', create: fresh });
        for (const contractCase of cases) it(contractCase.name, contractCase.run);
      });
    }
  });
}
