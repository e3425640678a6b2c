import { describe, expect, it } from 'vitest';
import { isDomainEvent } from '../../src/domain/shared/domain-event';
import { readStoredEvent } from '../../src/domain/shared/stored-schemas';
import { Request } from '../../src/domain/request/request';
import { aTemplate } from './support/builders';
import { ctxAt } from './support/context';
import { expectFailure } from './support/given';

describe('Domain events', () => {
  it('are recognised by their type, and nothing else is', () => {
    expect(isDomainEvent({ type: 'RequestCreated' })).toBe(true);
    for (const value of [null, undefined, 5, 'RequestCreated', {}, { type: 'RequestCreatedd' }]) expect(isDomainEvent(value)).toBe(false);
  });

  it('are read from storage only as objects with a string type', () => {
    const event = { type: 'RequestCreated', schemaVersion: 1 };
    expect(readStoredEvent(event)).toBe(event);
    for (const stored of [null, 'RequestCreated', { type: 7 }]) expect(expectFailure(() => readStoredEvent(stored), 'VALIDATION_FAILED').message).toContain('string type');
  });

  it("carry the caller's metadata when the context has some, and no metadata field otherwise", () => {
    const metadata = { principal: { subject: 'alice' } };
    const [withMetadata] = Request.createAcquire({ template: aTemplate(), activeUnits: 0, requestedCount: 1 }, { ...ctxAt(), metadata }).pullEvents();
    expect(withMetadata).toMatchObject({ metadata });
    const [without] = Request.createAcquire({ template: aTemplate(), activeUnits: 0, requestedCount: 1 }, ctxAt()).pullEvents();
    expect(without).not.toHaveProperty('metadata');
  });
});
