import { afterEach, describe, expect, it, vi } from 'vitest';
import { CancelRequest, UpdateRequestStatus } from '../../src/application/requests/request.commands';
import { createHostFactory } from '../../src/application/host-factory';
import { fromPlain, toPlain } from '../../src/application/read-models/dto';
import { GetRequest, ListRequests } from '../../src/application/requests/request.queries';
import { RequestDto, RequestStatusDto } from '../../src/application/read-models/request.dto';
import { type Projection } from '../../src/application/read-models/projections';
import { Command, COMMAND_BUS, commandHandler, eventHandler, type CommandBus, type EventHandler } from '../../src/kernel';
import type { DomainEvent } from '../../src/domain/shared/domain-event';
import { createInMemoryStorage, FakeProvider, type TestHostFactory } from '../../src/testing';
import { rejection, request, status, sync, withTemplate } from './support';

let hf: TestHostFactory;
afterEach(() => hf?.dispose());

describe('projections', () => {
  it('do not fail the command when one throws, and catch up later', async () => {
    let broken = true;
    const seen: number[] = [];
    const flaky: Projection = {
      name: 'flaky',
      collections: ['flaky'],
      async apply(stored) {
        if (broken) throw new Error('disk full');
        seen.push(stored.position);
      },
    };
    const logged = vi.fn();
    hf = await withTemplate({}, { projections: [flaky], logger: { debug() {}, info() {}, warn() {}, error: logged } });
    const requestId = await request(hf, 1);
    expect((await hf.queries.execute(GetRequest.from({ requestId }))).requestId).toBe(requestId);
    expect(logged).toHaveBeenCalled();
    expect(hf.projectionStatus().find((p) => p.projection === 'flaky')?.error).toBeInstanceOf(Error);
    broken = false;
    await hf.catchUp();
    const head = await hf.storage.eventLog.head();
    expect(seen).toEqual(Array.from({ length: head }, (_, i) => i + 1));
  });

  it('rebuild to exactly what they were', async () => {
    hf = await withTemplate();
    const requestId = await request(hf, 3);
    await sync(hf, requestId);
    const before = toPlain(await status(hf, requestId));
    await hf.rebuildReadModels();
    expect(toPlain(await status(hf, requestId))).toEqual(before);
  });

  it('publish committed events to the host’s event handlers, once each, in order', async () => {
    const received: string[] = [];
    @eventHandler('RequestCreated', 'RequestStatusChanged')
    class Audit implements EventHandler<DomainEvent> {
      handle(event: DomainEvent) {
        received.push(event.type);
      }
    }
    hf = await withTemplate({}, { handlers: [Audit] });
    const requestId = await request(hf, 1);
    await sync(hf, requestId);
    expect(received).toEqual(['RequestCreated', 'RequestStatusChanged', 'RequestStatusChanged']);
  });
});

describe('administrative commands', () => {
  it('cancels an open request, keeping its machines', async () => {
    hf = await withTemplate();
    hf.fake!.script({ templateId: 'small' }, { bootAfterSyncs: 10 });
    const requestId = await request(hf, 2);
    const cancelled = await hf.commands.execute(CancelRequest.from({ requestId, reason: 'job cancelled' }));
    expect(cancelled.status).toBe('cancelled');
    const stored = await status(hf, requestId);
    expect(stored.statusMessage).toBe('job cancelled');
    expect(stored.machines).toHaveLength(2);
    await hf.commands.execute(CancelRequest.from({ requestId }));
    expect((await status(hf, requestId)).statusMessage).toBe('job cancelled');
    const done = await request(hf, 1);
    hf.fake!.script({ requestId: done }, { immediate: true });
    await sync(hf, done);
    expect((await rejection(hf.commands.execute(CancelRequest.from({ requestId: done })))).code).toBe('INVALID_REQUEST_STATE_TRANSITION');
  });

  it('overrides a status only along the status machine', async () => {
    hf = await withTemplate();
    hf.fake!.script({ templateId: 'small' }, { bootAfterSyncs: 10 });
    const requestId = await request(hf, 1);
    const failed = await hf.commands.execute(UpdateRequestStatus.from({ requestId, status: 'failed', reason: 'operator gave up' }));
    expect(failed.status).toBe('failed');
    const error = await rejection(hf.commands.execute(UpdateRequestStatus.from({ requestId, status: 'in_progress', reason: 'retry' })));
    expect(error.code).toBe('INVALID_REQUEST_STATE_TRANSITION');
    expect(error.message).toContain('failed');
    expect((await rejection(hf.commands.execute(CancelRequest.from({ requestId: 'req-00000000-0000-4000-8000-00000000ffff' })))).code).toBe('REQUEST_NOT_FOUND');
  });
});

describe('queries', () => {
  it('pages requests newest first with totals and filters', async () => {
    hf = await withTemplate({ maxNumber: -1 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(await request(hf, 1));
      hf.advance(1000);
    }
    const first = await hf.queries.execute(ListRequests.from({ limit: 2 }));
    expect(first.total).toBe(5);
    expect(first.items.map((r) => r.requestId)).toEqual([ids[4], ids[3]]);
    const last = await hf.queries.execute(ListRequests.from({ limit: 2, offset: 4 }));
    expect(last.items.map((r) => r.requestId)).toEqual([ids[0]]);
    expect((await hf.queries.execute(ListRequests.from({ status: 'completed' }))).total).toBe(0);
    expect((await rejection((async () => hf.queries.execute(ListRequests.from({ limit: 1001 })))())).code).toBe('VALIDATION_FAILED');
  });

  it('DTOs round-trip through plain JSON with ISO dates and every JSON map intact (regression: toPlain emptied them)', async () => {
    hf = await withTemplate({ instanceTags: 'team=grid', fleetRole: 'arn:role' });
    const template = toPlain(await hf.queries.execute((await import('../../src/index')).GetTemplate.from({ templateId: 'small', includeConfiguration: true })));
    expect(template.attributes).toEqual({ type: ['String', 'X86_64'], ncpus: ['Numeric', '2'], nram: ['Numeric', '4096'] });
    expect(template.instanceTags).toEqual({ team: 'grid' });
    expect(template.configuration).toEqual({ userData: null, providerConfig: { fleetRole: 'arn:role' } });
    const requestId = await request(hf, 2, 'small', { tags: { job: '42' } });
    const dto = await status(hf, requestId);
    const plain = toPlain(dto);
    expect(plain.tags).toEqual({ job: '42' });
    expect(typeof plain.createdAt).toBe('string');
    expect(JSON.parse(JSON.stringify(plain))).toEqual(plain);
    const back = fromPlain(RequestStatusDto, plain);
    expect(back.createdAt).toBeInstanceOf(Date);
    expect(toPlain(back)).toEqual(plain);
    expect(fromPlain(RequestDto, plain)).not.toHaveProperty('machines');
  });
});

describe('createHostFactory()', () => {
  it('names every missing port', () => {
    expect(() => createHostFactory({ storage: undefined as never, provider: {} as never })).toThrow(/storage.*provider\.provision\(\)/s);
    try {
      createHostFactory({ storage: createInMemoryStorage(), provider: undefined as never });
    } catch (error) {
      expect(error).toMatchObject({ code: 'INVALID_CONFIGURATION', details: { missing: ['provider'] } });
      return;
    }
    throw new Error('expected INVALID_CONFIGURATION');
  });

  it('keeps its own handlers out of a host’s plain createKernel()', async () => {
    const { createKernel } = await import('../../src/kernel');
    const { CreateTemplate } = await import('../../src/index');
    const kernel = createKernel();
    expect(() => kernel.verify()).not.toThrow();
    expect((await rejection(kernel.commands.execute(CreateTemplate.from({ template: {} })))).code).toBe('HANDLER_NOT_FOUND');
    kernel.dispose();
  });

  it('keeps two host factories in one process apart', async () => {
    const a = createHostFactory({ storage: createInMemoryStorage(), provider: new FakeProvider() });
    const b = createHostFactory({ storage: createInMemoryStorage(), provider: new FakeProvider() });
    hf = await withTemplate();
    const { CreateTemplate, ListTemplates } = await import('../../src/index');
    await a.commands.execute(CreateTemplate.from({ template: { templateId: 'only-a', maxNumber: 1, attributes: { type: ['String', 'X'], ncpus: ['Numeric', '1'], nram: ['Numeric', '1'] }, vmType: 'x' } }));
    expect(await b.queries.execute(ListTemplates.from({}))).toEqual([]);
    expect((await a.queries.execute(ListTemplates.from({}))).map((t) => t.templateId)).toEqual(['only-a']);
    a.dispose();
    b.dispose();
  });
});

describe('regressions', () => {
  it('does not deadlock when an event handler runs a command (regression)', async () => {
    class NoteCreation extends Command<void> {}
    const notes: string[] = [];
    @commandHandler(NoteCreation)
    class NoteCreationHandler {
      handle() {
        notes.push('noted');
      }
    }
    @eventHandler('RequestCreated', { inject: [COMMAND_BUS] })
    class ReactToRequest implements EventHandler<DomainEvent> {
      constructor(private readonly commands: CommandBus) {}
      async handle() {
        await this.commands.execute(new NoteCreation());
      }
    }
    hf = await withTemplate({}, { handlers: [NoteCreationHandler, ReactToRequest] });
    await request(hf, 1);
    await hf.settle();
    expect(notes).toEqual(['noted']);
  });

  it('never resurrects a deleted template when a slower projector replays its creation (regression)', async () => {
    const { DeleteTemplate, GetTemplate, ListTemplates } = await import('../../src/index');
    const { templatesProjection } = await import('../../src/application/read-models/projections');
    hf = await withTemplate();
    await hf.commands.execute(DeleteTemplate.from({ templateId: 'small' }));
    const events = await hf.storage.eventLog.readAfter(0, 100);
    const created = events.find((e) => e.event.type === 'TemplateCreated')!;
    // Another replica, behind this one, applies the creation after the deletion was applied here.
    await templatesProjection.apply(created, hf.storage.readModels);
    expect((await rejection(hf.queries.execute(GetTemplate.from({ templateId: 'small' })))).code).toBe('TEMPLATE_NOT_FOUND');
    expect(await hf.queries.execute(ListTemplates.from({ activeOnly: false }))).toEqual([]);
  });
});
