import { describe, expect, it } from 'vitest';
import { Request } from '../../src/domain/request/request';
import { type RequestCompleted } from '../../src/domain/request/request.events';
import { aReturnRequest, aTemplate, anAcquireRequest, anAcquireRequestWithMachines, views } from './support/builders';
import { TestClock, ctxAt, sequentialIds } from './support/context';
import { expectFailure, given, issuePaths } from './support/given';

describe('Request', () => {
  describe('creation', () => {
    it('creates a pending acquire request with a req- id and records the whole request', () => {
      const clock = new TestClock();
      const request = Request.createAcquire({ template: aTemplate(), activeUnits: 0, requestedCount: 2, tags: 'team=grid', priority: 5 }, clock.ctx({ correlationId: 'c-1', causationId: 'cmd-1' }));
      expect(request.requestId).toMatch(/^req-[0-9a-f]{8}-[0-9a-f]{4}-4/);
      expect(request.status).toBe('pending');
      expect(request.statusMessage).toBe('');
      expect([request.resourceIds, request.machineIds, request.startedAt, request.completedAt, request.acknowledgedAt]).toEqual([[], [], null, null, null]);
      expect(request.version).toBe(1);
      expect(request.deadline.toISOString()).toBe('2026-01-01T01:00:00.000Z');
      const [event, ...rest] = request.pullEvents();
      expect(rest).toEqual([]);
      expect(event).toMatchObject({
        type: 'RequestCreated',
        aggregateType: 'Request',
        aggregateId: request.requestId,
        aggregateVersion: 1,
        occurredAt: '2026-01-01T00:00:00.000Z',
        correlationId: 'c-1',
        causationId: 'cmd-1',
      });
      const { schemaVersion: _s, version: _v, ...state } = request.toSnapshot();
      expect(event?.data).toEqual({ request: state });
      expect(JSON.parse(JSON.stringify(event))).toEqual(event);
    });

    it('creates a return request with a ret- id naming its machines', () => {
      const request = Request.createReturn({ machineIds: ['i-1', 'i-2'] }, ctxAt());
      expect(request.requestId.startsWith('ret-')).toBe(true);
      expect(request.type).toBe('return');
      expect(request.templateId).toBeNull();
      expect(request.requestedCount).toBe(2);
      expect(request.machineIds).toEqual(['i-1', 'i-2']);
    });

    it('keeps a caller-supplied id of the right type', () => {
      const id = 'req-00000000-0000-4000-8000-00000000abcd';
      expect(Request.createAcquire({ requestId: id, template: aTemplate(), activeUnits: 0, requestedCount: 1 }, ctxAt()).requestId).toBe(id);
      expect(issuePaths(() => Request.createReturn({ requestId: id, machineIds: ['i-1'] }, ctxAt()))).toEqual(['requestId']);
    });

    it('reports every bad field of an acquire request at once', () => {
      expect(
        issuePaths(() => Request.createAcquire({ template: aTemplate(), activeUnits: -1, requestedCount: 0, timeoutSeconds: 0, priority: 1.5, tags: 'novalue' }, ctxAt())),
      ).toEqual(['timeoutSeconds', 'priority', 'tags[0]', 'requestedCount', 'activeUnits']);
    });

    it('accepts timeouts from 1 second to one day', () => {
      expect(anAcquireRequest(1, ctxAt(), 1).timeoutSeconds).toBe(1);
      expect(anAcquireRequest(1, ctxAt(), 86_400).timeoutSeconds).toBe(86_400);
      expect(issuePaths(() => anAcquireRequest(1, ctxAt(), 86_401))).toEqual(['timeoutSeconds']);
    });

    it('refuses a return request naming no machine or one machine twice', () => {
      expect(issuePaths(() => Request.createReturn({ machineIds: [] }, ctxAt()))).toEqual(['machineIds']);
      expect(issuePaths(() => Request.createReturn({ machineIds: ['i-1', 'i-1', ''] }, ctxAt()))).toEqual(['machineIds[1]', 'machineIds[2]']);
    });

    it('keeps an idempotency key', () => {
      const request = Request.createAcquire({ template: aTemplate(), activeUnits: 0, requestedCount: 1, idempotencyKey: 'job-42' }, ctxAt());
      expect(request.idempotencyKey).toBe('job-42');
      expect(request.toSnapshot().idempotencyKey).toBe('job-42');
      expect(anAcquireRequest(1).idempotencyKey).toBeNull();
      expect(issuePaths(() => Request.createAcquire({ template: aTemplate(), activeUnits: 0, requestedCount: 1, idempotencyKey: '' }, ctxAt()))).toEqual(['idempotencyKey']);
    });

    it('refuses an inactive template', () => {
      const error = expectFailure(
        () => Request.createAcquire({ template: aTemplate({ active: false }), activeUnits: 0, requestedCount: 1 }, ctxAt()),
        'TEMPLATE_INACTIVE',
      );
      expect(error.details).toEqual({ templateId: 'OnDemand-Small' });
    });
  });

  describe('attaching machines', () => {
    it('starts a pending request and records the machines and resources', () => {
      const { events, aggregate } = given(anAcquireRequest(2))
        .when((r) => r.attachMachines(['i-1'], ['fleet-1'], ctxAt()))
        .thenRecords('RequestStatusChanged', 'RequestMachinesAttached');
      expect(aggregate.status).toBe('in_progress');
      expect(aggregate.startedAt).not.toBeNull();
      expect(events[1]?.data).toEqual({ addedMachineIds: ['i-1'], addedResourceIds: ['fleet-1'], machineIds: ['i-1'], resourceIds: ['fleet-1'] });
    });

    it('never duplicates an id and ignores a repeat attachment', () => {
      const request = anAcquireRequestWithMachines(3, 1);
      const { events } = given(request)
        .when((r) => r.attachMachines(['i-1', 'i-2', 'i-2'], ['fleet-1', 'fleet-2'], ctxAt()))
        .thenRecords('RequestMachinesAttached');
      expect(events[0]?.data).toMatchObject({ addedMachineIds: ['i-2'], addedResourceIds: ['fleet-2'] });
      expect(request.machineIds).toEqual(['i-1', 'i-2']);
      given(request).when((r) => r.attachMachines(['i-2', 'i-1'], ['fleet-2'], ctxAt())).thenNothingChanges();
      given(request).when((r) => r.attachMachines(['i-1'], ['fleet-3'], ctxAt())).thenRecords('RequestMachinesAttached');
      expect(request.resourceIds).toEqual(['fleet-1', 'fleet-2', 'fleet-3']);
    });

    it('still records machines that arrive after the request ended', () => {
      const clock = new TestClock();
      const request = anAcquireRequestWithMachines(2, 1, clock.ctx());
      request.synchronise(views(['i-1', 'running']), clock.advance(3600).ctx());
      expect(request.status).toBe('timeout');
      given(request).when((r) => r.attachMachines(['i-2'], [], clock.ctx())).thenRecords('RequestMachinesAttached');
      expect(request.status).toBe('timeout');
      expect(request.machineIds).toEqual(['i-1', 'i-2']);
    });

    it('refuses new machines on a return request, whose machines are fixed', () => {
      given(aReturnRequest(['i-1'])).when((r) => r.attachMachines(['i-2'], [], ctxAt())).thenFailsWith('VALIDATION_FAILED');
    });

    it('refuses an empty machine id', () => {
      given(anAcquireRequest(1)).when((r) => r.attachMachines([''], [], ctxAt())).thenFailsWith('VALIDATION_FAILED');
    });

    it('refuses a blank, unstorable or overlong resource id, naming it', () => {
      given(anAcquireRequest(1)).when((r) => r.attachMachines(['i-1'], [' '], ctxAt())).thenFailsWith('VALIDATION_FAILED');
      expect(issuePaths(() => anAcquireRequest(1).attachMachines([], ['fleet-1', ' ', 'fleet\u0000', 'f'.repeat(257)], ctxAt()))).toEqual(['resourceIds[1]', 'resourceIds[2]', 'resourceIds[3]']);
    });
  });

  describe('provider failures and cancellation', () => {
    it("moves to failed with the provider's message", () => {
      const { aggregate, events } = given(anAcquireRequest(2))
        .when((r) => r.fail('InsufficientInstanceCapacity: no m5.large in us-east-1a', ctxAt()))
        .thenRecords('RequestStatusChanged', 'RequestCompleted');
      expect(aggregate.status).toBe('failed');
      expect(aggregate.statusMessage).toBe('InsufficientInstanceCapacity: no m5.large in us-east-1a');
      expect((events[1] as RequestCompleted).data).toMatchObject({ succeeded: null, failed: null });
    });

    it('never leaves the message of a failure empty', () => {
      const request = anAcquireRequest(1);
      request.fail('  ', ctxAt());
      expect(request.statusMessage).not.toBe('');
    });

    it('cannot fail a request that already completed', () => {
      const request = anAcquireRequestWithMachines(1, 1);
      request.synchronise(views(['i-1', 'running']), ctxAt());
      given(request).when((r) => r.fail('late error', ctxAt())).thenFailsWith('INVALID_REQUEST_STATE_TRANSITION');
    });

    it('never leaves the message of a cancellation empty', () => {
      const request = anAcquireRequest(1);
      request.cancel(' ', ctxAt());
      expect(request.statusMessage).toBe('The request was cancelled.');
    });

    it('cancels an in-progress request and keeps its machines attached', () => {
      const request = anAcquireRequestWithMachines(2, 1);
      given(request).when((r) => r.cancel('operator', ctxAt())).thenRecords('RequestStatusChanged', 'RequestCompleted');
      expect(request.status).toBe('cancelled');
      expect(request.machineIds).toEqual(['i-1']);
      given(request).when((r) => r.cancel('again', ctxAt())).thenNothingChanges();
    });
  });

  describe('events', () => {
    it('stamps every event with the version, time and tracing ids of its call', () => {
      const clock = new TestClock(undefined, sequentialIds(100));
      const request = anAcquireRequestWithMachines(1, 1, clock.ctx());
      request.synchronise(views(['i-1', 'running']), clock.advance(10).ctx({ correlationId: 'corr', causationId: 'cause' }));
      const events = request.pullEvents();
      expect(events.map((e) => e.aggregateVersion)).toEqual([3, 3]);
      expect(new Set(events.map((e) => e.eventId)).size).toBe(2);
      for (const event of events) {
        expect(event).toMatchObject({ occurredAt: '2026-01-01T00:00:10.000Z', correlationId: 'corr', causationId: 'cause' });
      }
      expect(request.pullEvents()).toEqual([]);
    });

    it('leaves the tracing ids out of events when none were given', () => {
      const [event] = anAcquireRequest(1).pullEvents();
      expect(event).not.toHaveProperty('correlationId');
      expect(event).not.toHaveProperty('causationId');
    });
  });
});

describe('Request, rule by rule at the edges', () => {
  const refusal = (act: () => unknown): { path: string; constraint: string; message: string }[] =>
    (expectFailure(act, 'VALIDATION_FAILED') as unknown as { issues: { path: string; constraint: string; message: string }[] }).issues;
  const later = ctxAt(new Date(Date.UTC(2026, 0, 1, 0, 5)));

  it('takes one-character idempotency keys and accounts, a limit of one machine a request, and userData null', () => {
    const request = Request.createAcquire({ template: aTemplate(), activeUnits: 0, requestedCount: 1, idempotencyKey: 'k', rcAccount: 'a', userData: null as never, limits: { maxPerRequest: 1 } }, ctxAt());
    expect(request.idempotencyKey).toBe('k');
    expect(request.rcAccount).toBe('a');
    expect(request.userData).toBeUndefined();
  });

  it('says a non-string account is the wrong type, not a string of some length', () => {
    const [issue] = refusal(() => Request.createAcquire({ template: aTemplate(), activeUnits: 0, requestedCount: 1, rcAccount: 42 as never }, ctxAt()));
    expect(issue).toMatchObject({ path: 'rcAccount', constraint: 'isAccount' });
    expect(issue?.message).not.toContain('characters');
  });

  it('refuses a return request whose machine list is not an array', () => {
    expect(refusal(() => Request.createReturn({ machineIds: undefined as never }, ctxAt())).map((i) => i.constraint)).toEqual(['arrayNotEmpty']);
  });

  it('says the provider accepted the request when machines are first attached, and starts it', () => {
    const request = anAcquireRequest(2);
    request.attachMachines(['i-1'], [], later);
    expect(request.statusMessage).toBe('The provider accepted the request.');
    expect(request.startedAt).toEqual(later.now);
  });

  it('refuses a resource id that is not a string as VALIDATION_FAILED', () => {
    expect(refusal(() => anAcquireRequest(2).attachMachines([], [42 as never], later)).map((i) => [i.path, i.constraint])).toEqual([['resourceIds[0]', 'isNotEmpty']]);
  });

  it('records a termination failure without a message with the default text, and checks a given message like any reason', () => {
    const request = aReturnRequest(['i-1', 'i-2']);
    request.recordTerminationFailures([{ machineId: 'i-1', message: undefined as never }], later);
    expect(request.terminationFailures).toEqual({ 'i-1': 'The provider refused to terminate the machine.' });
    expect(refusal(() => request.recordTerminationFailures([{ machineId: 'i-2', message: 'm'.repeat(1001) }], later)).map((i) => [i.path, i.constraint])).toEqual([['failures[0].message', 'textLength']]);
  });

  it('gives a blank provider failure the default text, and leaves a request cancelled while pending never started', () => {
    const failed = anAcquireRequest(1);
    failed.fail('   ', later);
    expect(failed.statusMessage).toBe('The provider failed without a message.');
    expect(failed.startedAt).toBeNull();
    const cancelled = anAcquireRequest(1);
    cancelled.cancel('no longer needed', later);
    expect(cancelled.startedAt).toBeNull();
  });

  it('takes terms of a unit-counting template without weights (not a Template) as counting machines', () => {
    const terms = { templateId: 'Terms', active: true, maxNumber: 10, priceType: 'spot' as const, vmTypes: null };
    expect(Request.createAcquire({ template: terms, activeUnits: 0, requestedCount: 2 }, ctxAt()).unitWeights).toBeNull();
  });

  it('passes a pending return request through in_progress, saying the provider accepted it, when its machines are already gone', () => {
    const { events } = given(aReturnRequest(['i-1']))
      .when((r) => r.synchronise(views(['i-1', 'terminated']), later))
      .thenRecords('RequestStatusChanged', 'RequestStatusChanged', 'RequestCompleted');
    expect(events[0]?.data).toMatchObject({ from: 'pending', to: 'in_progress', reason: 'The provider accepted the request.' });
  });

  it('has no release pending before a release began, and hands out the same machine list until it changes', () => {
    const request = anAcquireRequest(1);
    expect(request.releasePending).toBe(false);
    expect(request.machineIds).toBe(request.machineIds);
  });
});
