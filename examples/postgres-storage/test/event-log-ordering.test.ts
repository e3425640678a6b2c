import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Template, type DomainContext } from 'hostfactory-kernel/storage';
import { createPostgresStorage, type PostgresStorage } from '../index';
import { dropSchema, PG_URL, postgresAvailability, uniqueName } from './support/services';

const pgState = await postgresAvailability();

let counter = 0;
const ctx = (): DomainContext => ({
  now: new Date('2026-01-01T00:00:00Z'),
  ids: { uuid: () => `00000000-0000-4000-8000-${(++counter).toString(16).padStart(12, '0')}` },
});

/** Commits one TemplateCreated for `id` in its own transaction, running `during` before the work resolves. */
function commitTemplate(storage: PostgresStorage, id: string, during: () => Promise<void> = async () => {}): Promise<void> {
  return storage.unitOfWork.transaction(async (tx) => {
    const template = Template.create({ templateId: id, maxNumber: 1, attributes: { type: ['String', 'X86_64'], ncpus: ['Numeric', '1'], nram: ['Numeric', '1024'] }, vmType: 'm5.large' }, ctx());
    await tx.templates.save(template, 0);
    tx.outbox.append(template.pullEvents());
    await during();
  });
}

/** Polls `readAfter` from a checkpoint until stopped, recording every position it is handed. */
function poller(storage: PostgresStorage): { seen: number[]; stop(): Promise<void> } {
  const seen: number[] = [];
  let running = true;
  const loop = (async () => {
    let after = 0;
    while (running) {
      for (const { position } of await storage.eventLog.readAfter(after, 100)) {
        seen.push(position);
        after = position;
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    for (const { position } of await storage.eventLog.readAfter(after, 10_000)) seen.push(position);
  })();
  return {
    seen,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

describe.skipIf(pgState.skip)('PostgreSQL event log under concurrent commits', () => {
  const schema = uniqueName('hf_order');
  let pool: pg.Pool;
  let storage: PostgresStorage;

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: PG_URL, max: 12 });
    storage = await createPostgresStorage({ pool, schema });
    // Stretches the window between taking a position and committing: a deferred trigger sleeps at
    // COMMIT for events of aggregates named "slow-*".
    await pool.query(`
      CREATE FUNCTION "${schema}".slow_commit() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN IF NEW.aggregate_id LIKE 'slow-%' THEN PERFORM pg_sleep(0.4); END IF; RETURN NULL; END $$;
      CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT ON ${storage.tables.events}
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "${schema}".slow_commit();`);
  });

  afterAll(async () => {
    await dropSchema(pool, schema);
    await pool.end();
  });

  it('never shows a position before every lower one is visible, even when the first to append commits last', async () => {
    const reader = poller(storage);
    let aStarted = 0;
    let bCommitted = 0;
    // A appends first and is slow to commit; B starts appending while A is still committing.
    try {
      aStarted = performance.now();
      const a = commitTemplate(storage, 'slow-a');
      await new Promise((resolve) => setTimeout(resolve, 100));
      const b = commitTemplate(storage, 'fast-b').then(() => (bCommitted = performance.now()));
      await Promise.all([a, b]);
    } finally {
      await reader.stop();
    }

    expect(reader.seen).toEqual([1, 2]);
    const log = await storage.eventLog.readAfter(0, 10);
    expect(log.map((e) => e.event.aggregateId)).toEqual(['slow-a', 'fast-b']);
    // B had to wait for A's commit, which sleeps 400 ms at COMMIT: positions are handed out in commit
    // order. (Which of the two connections' answers Node reads first is not ordered, so the test
    // compares B's end with A's start plus A's sleep, not with the moment A's answer was read.)
    expect(bCommitted - aStarted).toBeGreaterThanOrEqual(395);
  });

  it('a position taken from a sequence at insert time would be skipped (why the adapter does not do that)', async () => {
    const t = `"${schema}".naive_log`;
    await pool.query(`CREATE TABLE ${t} (position bigserial PRIMARY KEY, note text)`);
    const a = await pool.connect();
    const b = await pool.connect();
    try {
      await a.query('BEGIN');
      await a.query(`INSERT INTO ${t} (note) VALUES ('a')`); // takes position 1, not committed yet
      await b.query(`INSERT INTO ${t} (note) VALUES ('b')`); // takes position 2, autocommits
      const { rows: first } = await pool.query<{ position: string }>(`SELECT position FROM ${t} WHERE position > 0 ORDER BY position`);
      const checkpoint = Number(first.at(-1)?.position);
      await a.query('COMMIT');
      const { rows: next } = await pool.query<{ position: string }>(`SELECT position FROM ${t} WHERE position > $1 ORDER BY position`, [checkpoint]);
      expect(first.map((r) => Number(r.position))).toEqual([2]);
      expect(next).toEqual([]); // position 1 committed behind the reader's checkpoint: skipped for good
    } finally {
      a.release();
      b.release();
    }
  });

  it('hands every position to a polling reader exactly once under many concurrent writers', async () => {
    const start = await storage.eventLog.head();
    const reader = poller(storage);
    const writers = Array.from({ length: 8 }, (_, w) =>
      (async () => {
        for (let i = 0; i < 25; i += 1) {
          await commitTemplate(storage, `w${w}-${i}`, () => new Promise((resolve) => setTimeout(resolve, Math.random() * 4)));
        }
      })(),
    );
    try {
      await Promise.all(writers);
    } finally {
      await reader.stop();
    }
    const expected = Array.from({ length: 200 }, (_, i) => start + i + 1);
    expect(reader.seen.filter((p) => p > start)).toEqual(expected);
    const ids = (await storage.eventLog.readAfter(start, 1000)).map((e) => e.event.eventId);
    expect(new Set(ids).size).toBe(200);
  });
});
