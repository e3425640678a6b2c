import type { DomainEvent } from '../../src/storage';
import type { InMemoryStorage } from '../../src/testing';

/** Commits `count` events spread over `aggregates` request streams (one event per transaction), numbered 1…count. */
export async function appendEvents(storage: InMemoryStorage, count: number, aggregates = 10, from = 1): Promise<void> {
  for (let n = from; n < from + count; n += 1) {
    const aggregateId = `r-${n % aggregates}`;
    const event = { type: 'RequestCreated', eventId: `e-${n}`, aggregateType: 'request', aggregateId, aggregateVersion: n, occurredAt: '2026-01-01T00:00:00.000Z', schemaVersion: 1, n } as unknown as DomainEvent;
    await storage.unitOfWork.transaction(async (tx) => tx.outbox.append([event]));
  }
}

/** The `n` an event from {@link appendEvents} carries. */
export function numberOf(event: DomainEvent): number {
  return (event as unknown as { n: number }).n;
}
