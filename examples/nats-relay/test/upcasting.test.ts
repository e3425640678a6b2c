import type { JetStreamClient, JsMsg } from 'nats';
import { describe, expect, it } from 'vitest';
import { isKernelError, type DomainEvent } from 'hostfactory-kernel';
import type { EventLog, StoredEvent } from 'hostfactory-kernel/storage';
import { OutboxRelay } from '../relay';
import { RequestStatusConsumer } from '../request-status-consumer';

/** A stored event as the library writes it; `schemaVersion` as a newer release would write it. */
function stored(position: number, schemaVersion?: number): StoredEvent {
  const event = {
    eventId: `e-${position}`,
    type: 'RequestStatusChanged',
    aggregateType: 'Request',
    aggregateId: 'req-1',
    aggregateVersion: position,
    occurredAt: '2026-01-05T08:00:00.000Z',
    data: { from: 'pending', to: 'in_progress', message: '' },
    ...(schemaVersion === undefined ? {} : { schemaVersion }),
  };
  return { position, event: event as unknown as DomainEvent };
}

function unsupported(error: unknown): unknown {
  expect(isKernelError(error, 'SCHEMA_VERSION_UNSUPPORTED'), String(error)).toBe(true);
  return (error as { details: unknown }).details;
}

describe('The NATS relay example and an event a newer release wrote', () => {
  it('the relay publishes nothing of a batch holding it and keeps its checkpoint', async () => {
    const log: EventLog = { readAfter: async () => [stored(1), stored(2, 2)], head: async () => 2 };
    const published: string[] = [];
    const saved: number[] = [];
    const jetstream = { publish: async (subject: string) => (published.push(subject), { duplicate: false }) } as unknown as JetStreamClient;
    const relay = new OutboxRelay({ eventLog: log, jetstream, checkpoint: { load: async () => 0, save: async (p) => void saved.push(p) } });
    const error = await relay.relayBatch().catch((e: unknown) => e);
    expect(unsupported(error)).toEqual({ kind: 'event', type: 'RequestStatusChanged', storedVersion: 2, supportedVersion: 1, oldestVersion: 1 });
    expect([published, saved]).toEqual([[], []]);
  });

  it('the consumer leaves its message unacknowledged for redelivery', async () => {
    let acked = false;
    const message = {
      subject: 'hostfactory.events.Request.RequestStatusChanged',
      headers: undefined,
      seq: 7,
      json: () => stored(2, 5),
      ackAck: async () => (acked = true),
    } as unknown as JsMsg;
    // The pool is never reached: the event is refused before anything is written.
    const consumer = new RequestStatusConsumer({} as never, 'unused');
    expect(unsupported(await consumer.handle(message).catch((e: unknown) => e))).toMatchObject({ storedVersion: 5, supportedVersion: 1 });
    expect(acked).toBe(false);
  });
});
