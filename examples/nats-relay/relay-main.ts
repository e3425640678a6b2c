/**
 * The relay as a process: `node relay-main.mjs` (after bundling; see README). Configured by
 * environment: PG_URL, SCHEMA, NATS_URL, STREAM, SUBJECT_PREFIX, RELAY_NAME, BATCH_SIZE and
 * THROTTLE_MS (a pause after each batch, for demonstrations). Waits for the relay lease, then
 * prints one JSON line per batch and stops cleanly on SIGTERM or SIGINT.
 */
import pg from 'pg';
import { connect } from 'nats';
import { createPostgresStorage } from '../postgres-storage/postgres-storage';
import { acquireRelayLease, PostgresRelayCheckpoint } from './checkpoint';
import { DEFAULT_SUBJECT_PREFIX, ensureEventStream, OutboxRelay } from './relay';

const env = process.env;
const schema = env.SCHEMA ?? 'hostfactory';
const name = env.RELAY_NAME ?? 'nats';
const throttleMs = Number(env.THROTTLE_MS ?? 0);

const pool = new pg.Pool({ connectionString: env.PG_URL, max: 3 });
const storage = await createPostgresStorage({ pool, schema });
await PostgresRelayCheckpoint.install(pool, schema);
const nc = await connect({ servers: env.NATS_URL ?? 'nats://127.0.0.1:4222' });
const subjectPrefix = env.SUBJECT_PREFIX ?? DEFAULT_SUBJECT_PREFIX;
await ensureEventStream(await nc.jetstreamManager(), { name: env.STREAM ?? 'HOSTFACTORY_EVENTS', subjectPrefix });

const stop = new AbortController();
process.once('SIGTERM', () => stop.abort());
process.once('SIGINT', () => stop.abort());

const lease = await acquireRelayLease(pool, schema, name);
void lease.lost.then(() => {
  console.error('relay lease lost (database connection failed); stopping so that a standby can take over');
  stop.abort();
});
const relay = new OutboxRelay({
  eventLog: storage.eventLog,
  jetstream: nc.jetstream(),
  checkpoint: new PostgresRelayCheckpoint(pool, schema, name),
  subjectPrefix,
  batchSize: Number(env.BATCH_SIZE ?? 100),
  idleMs: 50,
});
console.log(JSON.stringify({ started: true, pid: process.pid }));
await relay.run(stop.signal, async (round) => {
  console.log(JSON.stringify(round));
  if (throttleMs > 0) await new Promise((resolve) => setTimeout(resolve, throttleMs));
});
await lease.release();
await nc.drain();
await storage.close();
await pool.end();
