import { afterEach, describe, expect, it } from 'vitest';
import { CreateTemplate } from '../../src/application/templates/template.commands';
import { RequestMachines, SyncRequest } from '../../src/application/requests/request.commands';
import { createTestHostFactory, type TestHostFactory } from '../../src/testing';
import { templateInput } from '../support/templates';

const principal = { subject: 'alice', tenant: 'team-a', scopes: ['hostfactory:request'] };

// The caller's `execute(…, { metadata })` is stored with every event the command records, so the
// event log answers "who asked for these machines?" (docs/domain.md, the event shape).
describe('caller metadata on stored events', () => {
  let hf: TestHostFactory | undefined;
  afterEach(() => hf?.dispose());

  it('copies the dispatch metadata onto every event a command records', async () => {
    hf = createTestHostFactory();
    await hf.commands.execute(CreateTemplate.from({ template: templateInput() }), { metadata: { principal: { ...principal, subject: 'admin' } } });
    const { requestId } = await hf.commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 2 }), { metadata: { principal } });
    await hf.commands.execute(SyncRequest.from({ requestId }), { metadata: { principal: { ...principal, subject: 'poller' } } });

    const events = (await hf.storage.eventLog.readAfter(0, 100)).map((s) => s.event);
    expect(events.find((e) => e.type === 'TemplateCreated')?.metadata).toEqual({ principal: { ...principal, subject: 'admin' } });
    const created = events.filter((e) => e.type === 'RequestCreated' || e.type === 'MachineCreated');
    expect(created).toHaveLength(3);
    for (const event of created) expect(event.metadata).toEqual({ principal });
    expect(events.find((e) => e.type === 'RequestCompleted')?.metadata).toEqual({ principal: { ...principal, subject: 'poller' } });
  });

  it('adds no metadata field when the dispatch has none, or an empty one', async () => {
    hf = createTestHostFactory();
    await hf.commands.execute(CreateTemplate.from({ template: templateInput() }));
    await hf.commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 1 }), { metadata: {} });
    const events = (await hf.storage.eventLog.readAfter(0, 100)).map((s) => s.event);
    expect(events.length).toBeGreaterThan(2);
    for (const event of events) expect(event).not.toHaveProperty('metadata');
  });
});
