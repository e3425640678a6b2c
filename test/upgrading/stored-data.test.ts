import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CreateTemplate, GetRequestStatus, ListRequests, RequestMachines, SyncRequest, isKernelError, type DomainEvent } from '../../src/index';
import { DOMAIN_EVENT_TYPES, DOMAIN_UPCASTERS, Machine, Request, Template, readStoredEvent, readStoredEvents } from '../../src/storage';
import { createTestHostFactory, type TestHostFactory } from '../../src/testing/index';
import { templateInput } from '../support/templates';

/** A host factory with one synced request, and the stored form of its first event. */
async function withOneRequest(): Promise<{ hf: TestHostFactory; requestId: string; first: DomainEvent }> {
  const hf = createTestHostFactory();
  await hf.commands.execute(CreateTemplate.from({ template: templateInput() }));
  const { requestId } = await hf.commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 1 }));
  await hf.commands.execute(SyncRequest.from({ requestId }));
  const [first] = await hf.storage.eventLog.readAfter(0, 1);
  return { hf, requestId, first: first!.event };
}

/** Commits `events` as they are (what a newer release would have written). */
async function commitAsNewerRelease(hf: TestHostFactory, events: readonly DomainEvent[]): Promise<void> {
  await hf.storage.unitOfWork.transaction(async (tx) => tx.outbox.append(events));
}

function codeOf(run: () => unknown): { code: unknown; details: unknown } {
  try {
    run();
  } catch (error) {
    return { code: (error as { code?: unknown }).code, details: (error as { details?: unknown }).details };
  }
  return { code: undefined, details: undefined };
}

describe('Stored data of a release newer than this one', () => {
  it('is refused event by event with SCHEMA_VERSION_UNSUPPORTED naming the type and both versions', async () => {
    const { first } = await withOneRequest();
    const newer = { ...first, schemaVersion: 2 };
    expect(codeOf(() => readStoredEvent(newer))).toEqual({
      code: 'SCHEMA_VERSION_UNSUPPORTED',
      details: { kind: 'event', type: first.type, storedVersion: 2, supportedVersion: 1, oldestVersion: 1 },
    });
    expect(codeOf(() => readStoredEvents([{ position: 1, event: first }, { position: 2, event: newer as DomainEvent }])).code).toBe('SCHEMA_VERSION_UNSUPPORTED');
    expect(readStoredEvent(first), 'a current event is read as it is').toBe(first);
    expect(codeOf(() => readStoredEvent({ data: {} })).code).toBe('VALIDATION_FAILED');
    expect(DOMAIN_UPCASTERS.supportedVersion('snapshot', 'Request')).toBe(1);
  });

  it('stops the projections just before it (never skipped), reports it, and keeps answering from what was built', async () => {
    const { hf, requestId, first } = await withOneRequest();
    const head = await hf.storage.eventLog.head();
    await commitAsNewerRelease(hf, [{ ...first, eventId: 'e-newer', schemaVersion: 3 } as unknown as DomainEvent]);
    await hf.catchUp();
    const status = hf.projectionStatus();
    expect(status.length).toBeGreaterThan(0);
    for (const projection of status) {
      expect(projection.position).toBe(head);
      expect(isKernelError(projection.error, 'SCHEMA_VERSION_UNSUPPORTED'), String(projection.error)).toBe(true);
    }
    expect((await hf.queries.execute(GetRequestStatus.from({ requestId }))).status).toBe('completed');
    await hf.rebuildReadModels();
    expect(hf.projectionStatus().map((p) => p.position)).toEqual(status.map(() => head));
    expect((await hf.queries.execute(ListRequests.from({}))).total).toBe(1);
    hf.dispose();
  });

  it('is refused for every domain event type and every aggregate snapshot, whatever the version above the supported one', () => {
    const restore = { Template: Template.restore, Request: Request.restore, Machine: Machine.restore } as const;
    fc.assert(
      fc.property(fc.constantFrom(...DOMAIN_EVENT_TYPES), fc.constantFrom('Template', 'Request', 'Machine' as const), fc.integer({ min: 1, max: 2 ** 31 }), (type, aggregate, above) => {
        const eventVersion = DOMAIN_UPCASTERS.supportedVersion('event', type) + above;
        expect(codeOf(() => readStoredEvent({ type, schemaVersion: eventVersion, data: {} }))).toEqual({
          code: 'SCHEMA_VERSION_UNSUPPORTED',
          details: { kind: 'event', type, storedVersion: eventVersion, supportedVersion: eventVersion - above, oldestVersion: 1 },
        });
        const snapshotVersion = DOMAIN_UPCASTERS.supportedVersion('snapshot', aggregate) + above;
        expect(codeOf(() => restore[aggregate]({ schemaVersion: snapshotVersion } as never)).details).toMatchObject({ type: aggregate, storedVersion: snapshotVersion });
      }),
    );
  });
});
