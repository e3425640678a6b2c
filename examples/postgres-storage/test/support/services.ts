import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { connect } from 'nats';

/** The PostgreSQL the example tests use (`HOSTFACTORY_TEST_PG_URL` overrides the local default). */
export const PG_URL = process.env.HOSTFACTORY_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** The NATS server with JetStream (`HOSTFACTORY_TEST_NATS_URL` overrides the local default). */
export const NATS_URL = process.env.HOSTFACTORY_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

/** Whether a server-backed suite runs; `skip` only ever outside CI. */
export interface Availability {
  readonly skip: boolean;
  readonly reason: string;
}

/**
 * Probes a server once. Under `CI=true` an unreachable server is a failure (this rejects, so the
 * test file fails with the reason); elsewhere it prints why and tells the suite to skip.
 */
async function availability(name: string, probe: () => Promise<void>): Promise<Availability> {
  try {
    await probe();
    return { skip: false, reason: '' };
  } catch (error) {
    const reason = `${name} is unreachable (${error instanceof Error ? error.message : String(error)})`;
    if (process.env.CI === 'true') throw new Error(`${reason}; CI=true requires it. Start it or fix HOSTFACTORY_TEST_* URLs.`);
    console.warn(`Skipping ${name} tests: ${reason}. Set CI=true to make this a failure.`);
    return { skip: true, reason };
  }
}

/** Is PostgreSQL at {@link PG_URL} reachable? */
export function postgresAvailability(): Promise<Availability> {
  return availability(`PostgreSQL at ${PG_URL}`, async () => {
    const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
    await client.connect();
    try {
      await client.query('SELECT 1');
    } finally {
      await client.end();
    }
  });
}

/** Is NATS at {@link NATS_URL} reachable, with JetStream enabled? */
export function natsAvailability(): Promise<Availability> {
  return availability(`NATS JetStream at ${NATS_URL}`, async () => {
    const nc = await connect({ servers: NATS_URL, timeout: 2000, reconnect: false });
    try {
      await (await nc.jetstreamManager()).getAccountInfo();
    } finally {
      await nc.close();
    }
  });
}

/** A name unique to this run, e.g. `hf_test_3f9a1c2b`, for schemas, streams and subjects. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** Drops `schema` and everything in it. */
export async function dropSchema(pool: pg.Pool, schema: string): Promise<void> {
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}
