import type pg from 'pg';
import { AckPolicy, DeliverPolicy, nanos, type JetStreamClient, type JetStreamManager, type JsMsg } from 'nats';
import { readStoredEvent, type StoredEvent } from 'hostfactory-kernel/storage';
import { tracedProcess } from './tracing';

/** What a {@link RequestStatusConsumer} did with one message. */
export type Applied = 'applied' | 'duplicate';

/** Counters of a consumer run. */
export interface ConsumerStats {
  /** Events applied for the first time. */
  applied: number;
  /** Messages whose event id was already applied (redelivered after a lost ack, or sent twice). */
  duplicates: number;
  /** Messages that arrived with a lower log position than one already applied for the same aggregate. */
  outOfOrder: number;
}

/**
 * A downstream service's read model kept from the event stream: the status of every request, and
 * the ids of the events applied. Each message is applied and recorded in one PostgreSQL
 * transaction and acknowledged only afterwards, so a crash at any point neither loses an event nor
 * applies one twice (a redelivered event id is recognised and just acknowledged).
 */
export class RequestStatusConsumer {
  readonly #schema: string;
  readonly #processed: string;
  readonly #requests: string;
  readonly stats: ConsumerStats = { applied: 0, duplicates: 0, outOfOrder: 0 };

  constructor(
    private readonly pool: pg.Pool,
    schema: string,
  ) {
    this.#schema = schema;
    this.#processed = `"${schema}".consumer_processed_events`;
    this.#requests = `"${schema}".consumer_request_status`;
  }

  /** Creates the consumer's tables if missing (idempotent). */
  async install(): Promise<void> {
    await this.pool.query(`
      CREATE SCHEMA IF NOT EXISTS "${this.#schema}";
      CREATE TABLE IF NOT EXISTS ${this.#processed} (
        event_id text PRIMARY KEY, aggregate text NOT NULL, position bigint NOT NULL, stream_seq bigint NOT NULL);
      CREATE INDEX IF NOT EXISTS consumer_processed_by_aggregate ON ${this.#processed} (aggregate, position);
      CREATE TABLE IF NOT EXISTS ${this.#requests} (
        request_id text PRIMARY KEY, status text NOT NULL, position bigint NOT NULL);`);
  }

  /** Applies one stored event (idempotent by event id) and records it; call `ack` only after this resolves. */
  async apply(stored: StoredEvent, streamSeq: number): Promise<Applied> {
    const { event, position } = stored;
    const aggregate = `${event.aggregateType}:${event.aggregateId}`;
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const recorded = await client.query(
        `INSERT INTO ${this.#processed} (event_id, aggregate, position, stream_seq) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
        [event.eventId, aggregate, position, streamSeq],
      );
      if (recorded.rowCount === 0) {
        await client.query('ROLLBACK');
        this.stats.duplicates += 1;
        return 'duplicate';
      }
      const later = await client.query(`SELECT 1 FROM ${this.#processed} WHERE aggregate = $1 AND position > $2 LIMIT 1`, [aggregate, position]);
      if ((later.rowCount ?? 0) > 0) this.stats.outOfOrder += 1;
      if (event.type === 'RequestCreated' || event.type === 'RequestStatusChanged') {
        const status = event.type === 'RequestCreated' ? event.data.request.status : event.data.to;
        await client.query(
          `INSERT INTO ${this.#requests} (request_id, status, position) VALUES ($1, $2, $3)
           ON CONFLICT (request_id) DO UPDATE SET status = EXCLUDED.status, position = EXCLUDED.position
           WHERE ${this.#requests}.position < EXCLUDED.position`,
          [event.aggregateId, status, position],
        );
      }
      await client.query('COMMIT');
      this.stats.applied += 1;
      return 'applied';
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
      throw error;
    } finally {
      client.release(broken);
    }
  }

  /** Requests per status, as this read model knows them. */
  async countsByStatus(): Promise<Record<string, number>> {
    const { rows } = await this.pool.query<{ status: string; n: string }>(`SELECT status, count(*) AS n FROM ${this.#requests} GROUP BY status`);
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  /**
   * Applies and acknowledges one JetStream message, continuing the trace of its `traceparent`; a
   * message that fails to apply is left for redelivery. The event is read as this release reads
   * stored events (upcast; SCHEMA_VERSION_UNSUPPORTED when a newer relay sent it: upgrade the consumer).
   */
  async handle(message: JsMsg): Promise<Applied> {
    const outcome = await tracedProcess(message.subject, message.headers, () => {
      const { position, event } = message.json<StoredEvent>();
      return this.apply({ position, event: readStoredEvent(event) }, message.seq);
    });
    await message.ackAck();
    return outcome;
  }
}

/** Creates the durable pull consumer `durable` on `stream` (explicit acks, from the first message) if missing. */
export async function ensureDurableConsumer(jsm: JetStreamManager, stream: string, durable: string): Promise<void> {
  try {
    await jsm.consumers.info(stream, durable);
  } catch {
    await jsm.consumers.add(stream, { durable_name: durable, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, ack_wait: nanos(30_000) });
  }
}

/**
 * Feeds `consumer` from the durable consumer until `until()` holds after a message or `signal`
 * aborts. Messages are handled one at a time, in stream order.
 */
export async function consumeInto(
  jetstream: JetStreamClient,
  stream: string,
  durable: string,
  consumer: RequestStatusConsumer,
  until: () => boolean,
  signal?: AbortSignal,
): Promise<void> {
  const messages = await (await jetstream.consumers.get(stream, durable)).consume({ max_messages: 200 });
  signal?.addEventListener('abort', () => void messages.stop());
  if (until()) return messages.stop();
  for await (const message of messages) {
    await consumer.handle(message);
    if (until()) break;
  }
  // Not `await messages.close()`: after leaving the loop it may never settle (nats 2.29).
  messages.stop();
}
