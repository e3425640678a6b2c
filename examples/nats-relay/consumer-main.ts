/**
 * The consumer as a separate process: keeps the request-status read model from the stream with a
 * durable consumer. Environment: PG_URL, SCHEMA (where its tables live), NATS_URL, STREAM, DURABLE,
 * and EXPECT (exit once this many distinct events are applied in total; default: run until SIGTERM).
 * Prints its counters and the read model's counts as one JSON line when it stops.
 */
import pg from 'pg';
import { connect } from 'nats';
import { consumeInto, ensureDurableConsumer, RequestStatusConsumer } from './request-status-consumer';

const env = process.env;
const stream = env.STREAM ?? 'HOSTFACTORY_EVENTS';
const durable = env.DURABLE ?? 'request-status';
const expect = env.EXPECT === undefined ? Number.POSITIVE_INFINITY : Number(env.EXPECT);

const pool = new pg.Pool({ connectionString: env.PG_URL, max: 2 });
const consumer = new RequestStatusConsumer(pool, env.SCHEMA ?? 'request_status_service');
await consumer.install();
const nc = await connect({ servers: env.NATS_URL ?? 'nats://127.0.0.1:4222' });
await ensureDurableConsumer(await nc.jetstreamManager(), stream, durable);

const stop = new AbortController();
process.once('SIGTERM', () => stop.abort());
process.once('SIGINT', () => stop.abort());

const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM "${env.SCHEMA ?? 'request_status_service'}".consumer_processed_events`);
const before = Number(rows[0]?.n ?? 0);
await consumeInto(nc.jetstream(), stream, durable, consumer, () => before + consumer.stats.applied >= expect, stop.signal);
console.log(JSON.stringify({ ...consumer.stats, counts: await consumer.countsByStatus() }));
await nc.drain();
await pool.end();
