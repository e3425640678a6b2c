import { headers, nanos, type JetStreamClient, type JetStreamManager, type PubAck } from 'nats';
import type { DomainEvent } from 'hostfactory-kernel';
import { readStoredEvents, type EventLog, type StoredEvent } from 'hostfactory-kernel/storage';
import { tracedSend } from './tracing';

/** Where a relay remembers the last position it published (and had acknowledged). */
export interface RelayCheckpoint {
  /** The last published position, 0 before the first. */
  load(): Promise<number>;
  /** Records that every position up to `position` was acknowledged by the stream. */
  save(position: number): Promise<void>;
}

/** Options of {@link OutboxRelay}. */
export interface OutboxRelayOptions {
  readonly eventLog: EventLog;
  readonly jetstream: JetStreamClient;
  readonly checkpoint: RelayCheckpoint;
  /** Subjects are `<prefix>.<aggregateType>.<type>`. Default `hostfactory.events`. */
  readonly subjectPrefix?: string;
  /** Events read (and published) per round; the checkpoint is saved once per round. Default 100. */
  readonly batchSize?: number;
  /** Pause of {@link OutboxRelay.run} when the log has nothing new. Default 200 ms. */
  readonly idleMs?: number;
}

/** What one round of {@link OutboxRelay.relayBatch} did. */
export interface RelayRound {
  /** Events sent this round. */
  readonly published: number;
  /** Of those, how many the stream had already (dropped by its duplicate window). */
  readonly duplicates: number;
  /** The checkpoint after the round. */
  readonly checkpoint: number;
}

/** Default subject prefix of relayed events. */
export const DEFAULT_SUBJECT_PREFIX = 'hostfactory.events';

/** The subject an event is published on: `<prefix>.<aggregateType>.<type>`, e.g. `hostfactory.events.Request.RequestCreated`. */
export function subjectOf(event: DomainEvent, prefix = DEFAULT_SUBJECT_PREFIX): string {
  return `${prefix}.${event.aggregateType}.${event.type}`;
}

/**
 * Publishes the event log to JetStream in position order from a durable checkpoint, with the
 * event id as `Nats-Msg-Id` and the event's trace as `traceparent` (see tracing.ts), one event at a
 * time, advancing the checkpoint only after the acks.
 * After a crash the unacknowledged tail is sent again; the stream's duplicate window drops it.
 */
export class OutboxRelay {
  readonly #prefix: string;
  readonly #batchSize: number;
  #position: number | undefined;

  constructor(private readonly options: OutboxRelayOptions) {
    this.#prefix = options.subjectPrefix ?? DEFAULT_SUBJECT_PREFIX;
    this.#batchSize = options.batchSize ?? 100;
  }

  /**
   * Publishes the next batch after the checkpoint and saves the new checkpoint. Events are published
   * as this release reads them (upcast to the current schema); a batch holding an event this release
   * cannot read rejects with SCHEMA_VERSION_UNSUPPORTED and publishes nothing of it.
   */
  async relayBatch(): Promise<RelayRound> {
    this.#position ??= await this.options.checkpoint.load();
    const batch = readStoredEvents(await this.options.eventLog.readAfter(this.#position, this.#batchSize));
    let duplicates = 0;
    for (const stored of batch) if ((await this.publish(stored)).duplicate) duplicates += 1;
    const last = batch.at(-1);
    if (last !== undefined) {
      await this.options.checkpoint.save(last.position);
      this.#position = last.position;
    }
    return { published: batch.length, duplicates, checkpoint: this.#position };
  }

  /** Relays until `signal` aborts, pausing `idleMs` whenever the log has nothing new. `onRound` sees (and may delay) every non-empty round. */
  async run(signal: AbortSignal, onRound?: (round: RelayRound) => void | Promise<void>): Promise<void> {
    const idleMs = this.options.idleMs ?? 200;
    while (!signal.aborted) {
      const round = await this.relayBatch();
      if (round.published > 0) await onRound?.(round);
      else await new Promise((resolve) => setTimeout(resolve, idleMs));
    }
  }

  private publish(stored: StoredEvent): Promise<PubAck> {
    const h = headers();
    h.set('Hf-Position', String(stored.position));
    h.set('Hf-Aggregate', `${stored.event.aggregateType}:${stored.event.aggregateId}`);
    h.set('Content-Type', 'application/json');
    const payload = new TextEncoder().encode(JSON.stringify(stored));
    const subject = subjectOf(stored.event, this.#prefix);
    return tracedSend(stored, subject, h, () => this.options.jetstream.publish(subject, payload, { msgID: stored.event.eventId, headers: h }));
  }
}

/** Stream settings for relayed events. */
export interface EventStreamOptions {
  readonly name: string;
  readonly subjectPrefix?: string;
  /** How long the stream remembers message ids; must exceed the longest relay outage you recover from. Default 2 minutes. */
  readonly duplicateWindowMs?: number;
}

/** Creates (or updates) the stream that stores `<prefix>.>`, with its duplicate window. */
export async function ensureEventStream(jsm: JetStreamManager, options: EventStreamOptions): Promise<void> {
  const config = {
    name: options.name,
    subjects: [`${options.subjectPrefix ?? DEFAULT_SUBJECT_PREFIX}.>`],
    duplicate_window: nanos(options.duplicateWindowMs ?? 120_000),
  };
  try {
    await jsm.streams.info(options.name);
    await jsm.streams.update(options.name, config);
  } catch (error) {
    if (!/stream not found/i.test(String(error))) throw error;
    await jsm.streams.add(config);
  }
}
