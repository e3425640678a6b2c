/**
 * One replica of the four-process processor test: runs the `effects` processor on the shared
 * schema (each event's effect row is inserted in the same transaction as the checkpoint move) until
 * every partition has reached TARGET, then prints a JSON summary as its last line. Built to `.tmp`.
 */
import pg from 'pg';
import { EventProcessor } from 'hostfactory-kernel/processors';
import { createPostgresStorage } from '../../postgres-storage';
import type { PostgresTransaction } from '../../unit-of-work';

const { PG_URL = '', SCHEMA = '', TARGET = '0', WORKER = '0', PARTITIONS = '8', LEASE_MS = '2000' } = process.env;

const pool = new pg.Pool({ connectionString: PG_URL, max: 4 });
const storage = await createPostgresStorage({ pool, schema: SCHEMA, migrate: false });
const owner = `worker-${WORKER}-${process.pid}`;
let handled = 0;
const processor = new EventProcessor({
  name: 'effects',
  owner,
  partitions: Number(PARTITIONS),
  leaseMs: Number(LEASE_MS),
  pollMs: 50,
  batchSize: 200,
  eventLog: storage.eventLog,
  store: storage.processors,
  handle: async (stored, context) => {
    await context.transaction(async (tx) => {
      await (tx as PostgresTransaction).query(`INSERT INTO "${SCHEMA}".effects (position, stream, worker) VALUES ($1, $2, $3)`, [
        stored.position,
        `${stored.event.aggregateType}:${stored.event.aggregateId}`,
        owner,
      ]);
    });
    handled += 1;
  },
});
console.log(JSON.stringify({ ready: owner }));
processor.start();
const target = Number(TARGET);
for (;;) {
  const states = await processor.status();
  if (states.length === Number(PARTITIONS) && states.every((s) => s.position >= target)) break;
  await new Promise((resolve) => setTimeout(resolve, 100));
}
await processor.stop();
await pool.end();
console.log(JSON.stringify({ owner, handled }));
