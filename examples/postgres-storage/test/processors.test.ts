import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventProcessor } from 'hostfactory-kernel/processors';
import type { DomainEvent } from 'hostfactory-kernel/storage';
import { createPostgresStorage, type PostgresStorage, type PostgresTransaction } from '../index';
import { buildScript } from './support/build-script';
import { jsonResult, startNode, type Child } from './support/child-process';
import { dropSchema, PG_URL, postgresAvailability, uniqueName } from './support/services';

const pgState = await postgresAvailability();

/** Knobs for longer campaigns; the defaults keep the run near 30 s on a loaded two-core machine. */
const EVENTS = Number(process.env.PROCESSORS_EVENTS ?? 10_000);
const WORKERS = Number(process.env.PROCESSORS_WORKERS ?? 4);
const PARTITIONS = 8;
const LEASE_MS = 2000;
const STREAMS = 200;

/** Commits `count` events over {@link STREAMS} request streams, 500 per transaction. */
async function appendEvents(storage: PostgresStorage, count: number, first = 1): Promise<void> {
  for (let from = first; from < first + count; from += 500) {
    const events = Array.from({ length: Math.min(500, first + count - from) }, (_, i) => {
      const n = from + i;
      return { type: 'RequestCreated', eventId: `e-${n}`, aggregateType: 'request', aggregateId: `r-${n % STREAMS}`, aggregateVersion: Math.ceil(n / STREAMS), occurredAt: '2026-01-01T00:00:00.000Z', schemaVersion: 1 } as unknown as DomainEvent;
    });
    await storage.unitOfWork.transaction(async (tx) => tx.outbox.append(events));
  }
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.skipIf(pgState.skip)('event processors on one PostgreSQL', () => {
  const schema = uniqueName('hf_processors');
  let pool: pg.Pool;
  let storage: PostgresStorage;
  let script: string | undefined;

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: PG_URL, max: 6 });
    storage = await createPostgresStorage({ pool, schema });
    // No unique key on purpose: a duplicate effect must be countable, not refused.
    await pool.query(`CREATE TABLE "${schema}".effects (seq bigserial PRIMARY KEY, position bigint NOT NULL, stream text NOT NULL, worker text NOT NULL)`);
  });

  afterAll(async () => {
    if (script !== undefined) rmSync(dirname(script), { recursive: true, force: true });
    await dropSchema(pool, schema);
    await pool.end();
  });

  it(`${WORKERS} processes handle ${EVENTS} events exactly once in effect, in order per aggregate, with one SIGKILLed mid-batch and restarted`, async () => {
    await appendEvents(storage, EVENTS);
    script = await buildScript(new URL('./support/processor-worker.ts', import.meta.url).pathname, 'processor-worker');
    const env = (worker: number): Record<string, string> => ({ PG_URL, SCHEMA: schema, TARGET: String(EVENTS), WORKER: String(worker), PARTITIONS: String(PARTITIONS), LEASE_MS: String(LEASE_MS) });
    const started = Date.now();
    const children: Child[] = Array.from({ length: WORKERS }, (_, worker) => startNode(script!, env(worker)));

    // Kill worker 0 once it has committed some effects and still holds partitions: mid-batch.
    const victim = await until('worker 0 to hold partitions and commit effects', 30_000, async () => {
      const { rows } = await pool.query<{ worker: string; n: string }>(`SELECT worker, count(*) AS n FROM "${schema}".effects WHERE worker LIKE 'worker-0-%' GROUP BY worker`);
      const row = rows[0];
      if (row === undefined || Number(row.n) < 200) return undefined;
      const held = await pool.query<{ name: string }>(`SELECT name FROM ${storage.tables.processors} WHERE owner = $1 AND lease_until > now()`, [row.worker]);
      return held.rows.length > 0 ? { owner: row.worker, partitions: held.rows.map((r) => r.name) } : undefined;
    });
    children[0]!.process.kill('SIGKILL');
    const killedAt = Date.now();
    expect(await children[0]!.exited).toBe('SIGKILL');
    const restarted = startNode(script, env(0));

    // Failover: until every partition the dead replica held has a new holder.
    await until('the dead replica\'s partitions to be taken over', 30_000, async () => {
      const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${storage.tables.processors} WHERE name = ANY($1) AND owner IS NOT NULL AND owner <> $2 AND lease_until > now()`, [victim.partitions, victim.owner]);
      return Number(rows[0]!.n) === victim.partitions.length ? true : undefined;
    });
    const failoverMs = Date.now() - killedAt;

    const results = await Promise.all([...children.slice(1), restarted].map((child) => jsonResult<{ owner: string; handled: number }>(child)));
    const elapsedMs = Date.now() - started;

    const { rows: [totals] } = await pool.query<{ effects: string; distinct: string; min: string; max: string }>(
      `SELECT count(*) AS effects, count(DISTINCT position) AS distinct, min(position) AS min, max(position) AS max FROM "${schema}".effects`,
    );
    const { rows: disorder } = await pool.query<{ stream: string }>(
      `SELECT stream FROM (SELECT stream, position, lag(position) OVER (PARTITION BY stream ORDER BY seq) AS before FROM "${schema}".effects) AS s WHERE before >= position LIMIT 5`,
    );
    const duplicates = Number(totals!.effects) - Number(totals!.distinct);
    const figures = {
      events: EVENTS,
      processes: WORKERS,
      partitions: PARTITIONS,
      eventsPerSecond: Math.round((EVENTS / elapsedMs) * 1000),
      elapsedMs,
      duplicatesInEffect: duplicates,
      missing: EVENTS - Number(totals!.distinct),
      outOfOrderStreams: disorder.length,
      leaseMs: LEASE_MS,
      failoverMs,
      killedPartitions: victim.partitions.length,
      // The three survivors, then the restarted process (which joins and takes its share).
      handledPerProcess: results.map((r) => r.handled),
    };
    console.log(`processors-run ${JSON.stringify(figures)}`);
    expect(duplicates).toBe(0);
    expect([Number(totals!.distinct), Number(totals!.min), Number(totals!.max)]).toEqual([EVENTS, 1, EVENTS]);
    expect(disorder).toEqual([]);
    expect(failoverMs).toBeLessThan(LEASE_MS + 5000);
    expect(results.at(-1)!.handled, 'the restarted process should take a share of the partitions').toBeGreaterThan(0);
  }, 120_000);

  it('dead-letters an event after its attempts and replays it exactly once, after the events that passed it', async () => {
    const head = await storage.eventLog.head();
    await appendEvents(storage, 6, 1_000_001); // streams r-1 … r-6 (n mod 200)
    let down = true;
    const effects: number[] = [];
    const processor = new EventProcessor({
      name: 'ledger',
      eventLog: storage.eventLog,
      store: storage.processors,
      pollMs: 10,
      attempts: 3,
      backoffMs: 5,
      handle: async (stored, context) => {
        if (stored.position <= head) return;
        if (down && stored.event.aggregateId === 'r-2') throw new Error('ledger offline');
        await context.transaction(async (tx) => (tx as PostgresTransaction).query(`INSERT INTO "${schema}".effects (position, stream, worker) VALUES ($1, 'ledger', 'ledger')`, [stored.position]));
        effects.push(stored.position);
      },
    });
    processor.start();
    try {
      await processor.whenCaughtUp(30_000);
      const letters = await processor.deadLetters();
      expect(letters.map((l) => [l.position, l.attempts, l.error])).toEqual([[head + 2, 3, 'Error: ledger offline']]);
      const { rows } = await pool.query(`SELECT processor, position FROM ${storage.tables.deadLetters} WHERE processor = 'ledger'`);
      expect(rows).toEqual([{ processor: 'ledger', position: String(head + 2) }]);
      down = false;
      expect(await processor.replayDeadLetters()).toEqual({ replayed: 1, failed: [] });
      expect(await processor.replayDeadLetters()).toEqual({ replayed: 0, failed: [] });
      const { rows: stored } = await pool.query<{ position: string }>(`SELECT position FROM "${schema}".effects WHERE stream = 'ledger' ORDER BY seq`);
      expect(stored.map((r) => Number(r.position))).toEqual([1, 3, 4, 5, 6, 2].map((i) => head + i));
    } finally {
      await processor.stop();
    }
  }, 60_000);
});
