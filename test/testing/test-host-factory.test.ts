import { describe, expect, it } from 'vitest';
import { CreateTemplate } from '../../src/application/templates/template.commands';
import { ListTemplates } from '../../src/application/templates/template.queries';
import { RequestMachines, SyncRequest } from '../../src/application/requests/request.commands';
import { type Projection } from '../../src/application/read-models/projections';
import { eventHandler, type EventHandler } from '../../src/kernel';
import { createInMemoryStorage, createTestHostFactory, FakeProvider, ManualClock, sequentialIds } from '../../src/testing';

const template = { templateId: 'small', maxNumber: 4, attributes: { type: ['String', 'X86_64'], ncpus: ['Numeric', '2'], nram: ['Numeric', '4096'] }, vmType: 't3.small' };

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string; details?: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

describe('createTestHostFactory', () => {
  it('uses the storage, provider, clock and ids it is given', async () => {
    const storage = createInMemoryStorage();
    const clock = new ManualClock('2030-05-01T00:00:00.000Z');
    const provider = new FakeProvider({ clock });
    const hf = createTestHostFactory({ storage, provider, clock, ids: sequentialIds(1000) });
    expect([hf.memory, hf.fake, hf.clock]).toEqual([undefined, undefined, undefined]);
    expect(hf.storage).toBe(storage);
    expect(hf.provider).toBe(provider);

    await hf.commands.execute(CreateTemplate.from({ template }));
    const { requestId } = await hf.commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 1 }));
    expect(requestId).toMatch(/^req-00000000-0000-4000-8000-0000000003e\w$/);
    expect(storage.snapshotCounts()).toMatchObject({ templates: 1, requests: 1, machines: 1 });
    expect(provider.callsTo('provision')).toHaveLength(1);
    expect(storage.committedEvents()[0]?.event.occurredAt).toBe('2030-05-01T00:00:00.000Z');
    expect(() => hf.advance(1000)).toThrow(/you passed your own clock/);
  });

  it('owns fresh fakes by default and moves its clock with advance()', async () => {
    const hf = createTestHostFactory({ startAt: new Date('2027-01-01T00:00:00.000Z') });
    expect(hf.advance({ minutes: 2 }).toISOString()).toBe('2027-01-01T00:02:00.000Z');
    expect(hf.fake?.clock).toBe(hf.clock);
    expect(hf.storage).toBe(hf.memory);
  });

  it('dispose() releases the kernel and makes the fake provider reject', async () => {
    const hf = createTestHostFactory();
    hf.fake!.script({ templateId: 'small' }, { hangAt: { provision: true } });
    await hf.commands.execute(CreateTemplate.from({ template }));
    const hung = hf.commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 1 }));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(hf.fake!.hangingCalls).toBe(1);
    hf.dispose();
    expect((await rejection(hung)).code).toBe('PROVIDER_ERROR');
    await expect(hf.fake!.describe({ requestId: 'r', resourceIds: [], machineIds: [] })).rejects.toThrow(/disposed/);
  });

  describe('settle()', () => {
    it('waits for projections and event-bus delivery of everything committed so far', async () => {
      const seen: string[] = [];
      @eventHandler('TemplateCreated')
      class Slow implements EventHandler {
        async handle(event: { type: string }) {
          await new Promise((resolve) => setTimeout(resolve, 30));
          seen.push(event.type);
        }
      }
      const hf = createTestHostFactory({ handlers: [Slow] });
      await hf.queries.execute(ListTemplates.from({}));
      // Committed behind the buses' back: only settle() brings it to the read models and handlers.
      const scratch = createTestHostFactory();
      await scratch.commands.execute(CreateTemplate.from({ template }));
      await hf.storage.unitOfWork.transaction(async (tx) => tx.outbox.append(scratch.memory!.committedEvents().map((s) => s.event)));
      await hf.settle();
      expect(seen).toEqual(['TemplateCreated']);
      expect(hf.memory!.documentCount('templates')).toBe(1);
      expect(hf.projectionStatus().every((p) => p.position === 1)).toBe(true);
    });

    it('waits for commands still in flight', async () => {
      const hf = createTestHostFactory();
      hf.fake!.script({ templateId: 'small' }, { bootAfterMs: 0 });
      await hf.commands.execute(CreateTemplate.from({ template }));
      const { requestId } = await hf.commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 1 }));
      let done = false;
      void hf.commands.execute(SyncRequest.from({ requestId })).then(() => (done = true));
      await hf.settle();
      expect(done).toBe(true);
    });

    it('times out listing a hanging projection', async () => {
      const hanging: Projection = { name: 'hanging', collections: [], apply: () => new Promise<void>(() => undefined) };
      const hf = createTestHostFactory({ projections: [hanging] });
      const created = hf.commands.execute(CreateTemplate.from({ template }));
      void created.catch(() => undefined);
      const error = await rejection(hf.settle({ timeoutMs: 50 }));
      expect(error.code).toBe('TIMEOUT');
      expect(error.message).toMatch(/^settle\(\) timed out after 50 ms/);
      expect(error.message).toContain('command CreateTemplate (in flight for');
      expect(error.message).toContain('projection "hanging" at position 0 of 1');
      expect(error.details?.pending).toHaveLength(2);
    });

    it('times out listing a hanging event handler', async () => {
      @eventHandler('TemplateCreated')
      class Stuck implements EventHandler {
        handle() {
          return new Promise<void>(() => undefined);
        }
      }
      const hf = createTestHostFactory({ handlers: [Stuck] });
      void hf.commands.execute(CreateTemplate.from({ template })).catch(() => undefined);
      const error = await rejection(hf.settle({ timeoutMs: 50 }));
      expect(error.message).toContain('event-bus delivery of TemplateCreated (in flight for');
    });

    it('rejects with PROJECTION_FAILED when a projection stops on an error', async () => {
      const failing: Projection = {
        name: 'failing',
        collections: [],
        apply: async () => {
          throw new Error('cannot index');
        },
      };
      const hf = createTestHostFactory({ projections: [failing] });
      await hf.commands.execute(CreateTemplate.from({ template }));
      const error = await rejection(hf.settle());
      expect(error.code).toBe('PROJECTION_FAILED');
      expect(error.message).toContain('projection "failing" failed at position 1: cannot index');
    });
  });
});
