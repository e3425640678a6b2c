import { describe, expect, it } from 'vitest';
import { CreateTemplate, UpdateTemplate, ValidateTemplate } from '../../src/application/templates/template.commands';
import { GetRequestStatus } from '../../src/application/requests/request.queries';
import { ListTemplates } from '../../src/application/templates/template.queries';
import { RequestMachines, SyncRequest } from '../../src/application/requests/request.commands';
import type { DomainEvent } from '../../src/domain/shared/domain-event';
import { createTestHostFactory, scenario, type TestHostFactory } from '../../src/testing';
import { templateInput } from '../support/templates';

const template = (overrides: Record<string, unknown> = {}) => templateInput({ maxNumber: 4, ...overrides });

/** The message of the error `promise` rejects with. */
async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the scenario to fail');
}

/** A TemplateCreated event as a store would hold it, built by a scratch host factory. */
async function templateCreatedEvent(templateId: string): Promise<DomainEvent> {
  const scratch = createTestHostFactory();
  await scratch.commands.execute(CreateTemplate.from({ template: template({ templateId }) }));
  const [stored] = scratch.memory!.committedEvents();
  scratch.dispose();
  return stored!.event;
}

describe('scenario', () => {
  describe('then(events)', () => {
    it('passes when the command commits the expected events, matched as subsets', async () => {
      const outcome = await scenario()
        .givenCommands(CreateTemplate.from({ template: template() }))
        .when(RequestMachines.from({ templateId: 'small', machineCount: 2 }))
        .then([
          { type: 'RequestCreated', data: { request: { templateId: 'small' } } },
          { type: 'RequestStatusChanged', data: { from: 'pending', to: 'in_progress' } },
          { type: 'RequestMachinesAttached', data: { machineIds: ['i-fake0001', 'i-fake0002'] } },
          { type: 'MachineCreated', aggregateId: 'i-fake0001' },
          'MachineCreated',
        ]);
      expect(outcome.events).toHaveLength(5);
    });

    it('fails with a line-per-event diff naming the first difference', async () => {
      const message = await failure(
        scenario()
          .given(CreateTemplate.from({ template: template() }))
          .when(UpdateTemplate.from({ templateId: 'small', changes: { maxNumber: 8 } }))
          .then([{ type: 'TemplateUpdated', aggregateId: 'small', data: { template: { maxNumber: 9 } } }, 'TemplateDeleted']),
      );
      expect(message).toContain('Scenario when UpdateTemplate: the committed events differ from the expected ones (expected 2, got 1)');
      expect(message).toContain('event #1 (TemplateUpdated): data.template.maxNumber: expected 9, got 8');
      expect(message).toContain('- TemplateUpdated small {"template":{"maxNumber":9}}');
      expect(message).toContain('+ TemplateUpdated small {"template":{"maxNumber":8}}');
      expect(message).toContain('- TemplateDeleted *');
    });

    it('shows unexpected events with their data', async () => {
      const message = await failure(scenario().when(CreateTemplate.from({ template: template() })).then([]));
      expect(message).toContain('event #1 (TemplateCreated) was committed but not expected');
      expect(message).toMatch(/\+ TemplateCreated small \{"template":\{.*"templateId":"small"/);
    });

    it('fails when the step threw, naming the error', async () => {
      const message = await failure(scenario().when(RequestMachines.from({ templateId: 'nope', machineCount: 1 })).then(['RequestCreated']));
      expect(message).toContain('expected 1 event(s), but it threw TEMPLATE_NOT_FOUND');
    });

    it('ignores eventId and occurredAt unless given, and matches them when given', async () => {
      const s = scenario().givenCommands(CreateTemplate.from({ template: template() }));
      await s.when(UpdateTemplate.from({ templateId: 'small', changes: { maxNumber: 5 } })).then([{ type: 'TemplateUpdated', occurredAt: '2026-01-01T00:00:00.000Z', eventId: /^0{8}-/ }]);
      const message = await failure(s.when(UpdateTemplate.from({ templateId: 'small', changes: { maxNumber: 6 } })).then([{ type: 'TemplateUpdated', aggregateVersion: 9 }]));
      expect(message).toContain('aggregateVersion: expected 9, got 3');
      expect(message).toContain('- TemplateUpdated * aggregateVersion=9');
      expect(message).toContain('+ TemplateUpdated small aggregateVersion=3');
    });

    it('accepts asymmetric matchers', async () => {
      await scenario()
        .when(CreateTemplate.from({ template: template() }))
        .then([{ type: 'TemplateCreated', aggregateId: expect.any(String), data: { template: { maxNumber: expect.any(Number) } } }]);
    });
  });

  describe('thenResult', () => {
    it('matches a subset of the result, or a predicate', async () => {
      const s = scenario().givenCommands(CreateTemplate.from({ template: template() }));
      await s.when(UpdateTemplate.from({ templateId: 'small', changes: { maxNumber: 6 } })).thenResult({ version: 2 });
      await s.when(ListTemplates.from({})).thenResult((templates) => templates.length === 1);
      await s.when(ListTemplates.from({})).thenResult([{ templateId: 'small', maxNumber: 6 }]);
    });

    it('fails with the path of the difference, and when a predicate returns false', async () => {
      const s = scenario().givenCommands(CreateTemplate.from({ template: template() }));
      const message = await failure(s.when(UpdateTemplate.from({ templateId: 'small', changes: { maxNumber: 6 } })).thenResult({ version: 7 }));
      expect(message).toContain('result.version: expected 7, got 2');
      expect(message).toContain('- {"version":7}');
      expect(message).toContain('+ {"templateId":"small","version":2}');
      expect(await failure(s.when(ListTemplates.from({})).thenResult(() => false))).toContain('the result predicate returned false');
    });
  });

  describe('thenThrows', () => {
    it('passes on the expected code and returns the error', async () => {
      const { error } = await scenario().when(RequestMachines.from({ templateId: 'nope', machineCount: 1 })).thenThrows('TEMPLATE_NOT_FOUND');
      expect(error.code).toBe('TEMPLATE_NOT_FOUND');
    });

    it('fails on another code or on success, listing what was committed', async () => {
      expect(await failure(scenario().when(RequestMachines.from({ templateId: 'nope', machineCount: 1 })).thenThrows('VALIDATION_FAILED'))).toContain(
        'expected it to throw VALIDATION_FAILED, but it threw TEMPLATE_NOT_FOUND',
      );
      const message = await failure(scenario().when(CreateTemplate.from({ template: template() })).thenThrows('TEMPLATE_ALREADY_EXISTS'));
      expect(message).toContain('expected it to throw TEMPLATE_ALREADY_EXISTS, but it succeeded with {"templateId":"small","version":1} and committed 1 event(s)');
      expect(message).toContain('+ TemplateCreated small');
    });
  });

  describe('thenNothingHappened', () => {
    it('passes for a query and a dry run', async () => {
      const s = scenario().givenCommands(CreateTemplate.from({ template: template() }));
      await s.when(ListTemplates.from({})).thenNothingHappened();
      await s.when(ValidateTemplate.from({ template: template({ maxNumber: 7 }) })).thenNothingHappened();
    });

    it('fails listing the committed events, or the error', async () => {
      const message = await failure(scenario().when(CreateTemplate.from({ template: template() })).thenNothingHappened());
      expect(message).toMatch(/expected nothing to happen, but it committed 1 event\(s\):\n {2}\+ TemplateCreated small/);
      expect(await failure(scenario().when(UpdateTemplate.from({ templateId: 'x', changes: {} })).thenNothingHappened())).toContain(
        'expected nothing to happen, but it threw TEMPLATE_NOT_FOUND',
      );
    });
  });

  describe('given', () => {
    it('runs commands, events and functions in order, each once', async () => {
      const hf = createTestHostFactory();
      const created = await templateCreatedEvent('from-events');
      const calls: string[] = [];
      const s = scenario(hf)
        .givenCommands(CreateTemplate.from({ template: template() }))
        .givenEvents(created)
        .given((h: TestHostFactory) => void calls.push(`templates in store: ${h.memory!.snapshotCounts().templates}`));
      await s.when(ListTemplates.from({})).thenResult((templates) => templates.length === 2);
      await s.when(ListTemplates.from({})).thenResult([{ templateId: 'from-events' }, { templateId: 'small' }]);
      expect(calls).toEqual(['templates in store: 1']);
    });

    it('keeps given events on the read side, and says so when a command cannot find their aggregate', async () => {
      const message = await failure(
        scenario()
          .givenEvents(await templateCreatedEvent('from-events'))
          .when(RequestMachines.from({ templateId: 'from-events', machineCount: 1 }))
          .then(['RequestCreated']),
      );
      expect(message).toContain('TEMPLATE_NOT_FOUND');
      expect(message).toContain('givenEvents() feed read models and event handlers only');
    });

    it('rejects what is not a stored domain event', () => {
      expect(() => scenario().givenEvents({ type: 'Nope' } as never)).toThrow(/event #1 is not a stored domain event: type must be a domain event type/);
      expect(() => scenario().given(42 as never)).toThrow(/expected a command, a domain event or a function/);
    });

    it('fails naming the given command that threw', async () => {
      const message = await failure(scenario().givenCommands(UpdateTemplate.from({ templateId: 'x', changes: {} })).when(ListTemplates.from({})).thenNothingHappened());
      expect(message).toContain('Scenario given: UpdateTemplate failed with TEMPLATE_NOT_FOUND');
    });
  });

  describe('when', () => {
    it('takes a function of the host factory as the step under test', async () => {
      const hf = createTestHostFactory();
      const s = scenario(hf).givenCommands(CreateTemplate.from({ template: template() }));
      const { result } = await s
        .when(async (h) => {
          const { requestId } = await h.commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 1 }));
          await h.commands.execute(SyncRequest.from({ requestId }));
          return (await h.queries.execute(GetRequestStatus.from({ requestId }))).status;
        })
        .outcome();
      expect(result).toBe('completed');
    });

    it('refuses to be awaited without a then form', async () => {
      await expect(async () => {
        await (scenario().when(ListTemplates.from({})) as unknown as Promise<unknown>);
      }).rejects.toThrow(/a when step is not awaitable/);
    });
  });
});
