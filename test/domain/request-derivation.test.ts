import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/domain/machine/machine';
import { Request } from '../../src/domain/request/request';
import { type RequestCompleted, type RequestStatusChanged } from '../../src/domain/request/request.events';
import { aReturnRequest, aTemplate, anAcquireRequest, anAcquireRequestWithMachines, views } from './support/builders';
import { TestClock, ctxAt } from './support/context';
import { given } from './support/given';
import { deriveRequestOutcome } from '../../src/domain/request/request-outcome';

describe('Request status derivation', () => {
  describe('deriving the status of an acquire request', () => {
    it('moves to completed when all machines are running', () => {
      const { events, aggregate } = given(anAcquireRequestWithMachines(2, 2))
        .when((r) => r.synchronise(views(['i-1', 'running'], ['i-2', 'running']), ctxAt()))
        .thenRecords('RequestStatusChanged', 'RequestCompleted');
      expect(aggregate.status).toBe('completed');
      expect((events[1] as RequestCompleted).data).toMatchObject({ status: 'completed', succeeded: 2, failed: 0 });
    });

    it('keeps the instant it started when it ends', () => {
      const clock = new TestClock();
      const request = anAcquireRequestWithMachines(1, 1, clock.ctx());
      const started = request.startedAt;
      expect(started).toEqual(clock.now);
      request.synchronise(views(['i-1', 'running']), clock.advance(60).ctx());
      expect(request.status).toBe('completed');
      expect(request.startedAt).toEqual(started);
      expect(request.completedAt).toEqual(clock.now);
    });

    it('moves to partial when some machines fail', () => {
      const { events, aggregate } = given(anAcquireRequestWithMachines(3, 3))
        .when((r) => r.synchronise(views(['i-1', 'running'], ['i-2', 'failed'], ['i-3', 'running']), ctxAt()))
        .thenRecords('RequestStatusChanged', 'RequestCompleted');
      expect(aggregate.status).toBe('partial');
      expect(aggregate.statusMessage).toContain('2 of 3');
      expect(aggregate.statusMessage).toContain('i-2');
      expect((events[1] as RequestCompleted).data).toMatchObject({ succeeded: 2, failed: 1 });
    });

    it('moves to failed when no machine is running', () => {
      const { aggregate } = given(anAcquireRequestWithMachines(2, 2))
        .when((r) => r.synchronise(views(['i-1', 'failed'], ['i-2', 'terminated']), ctxAt()))
        .thenRecords('RequestStatusChanged', 'RequestCompleted');
      expect(aggregate.status).toBe('failed');
    });

    it('stays in progress while machines arrive over several synchronisations', () => {
      const clock = new TestClock();
      const request = anAcquireRequestWithMachines(3, 1, clock.ctx());
      given(request).when((r) => r.synchronise(views(['i-1', 'pending']), clock.advance(30).ctx())).thenNothingChanges();
      request.attachMachines(['i-2'], [], clock.advance(30).ctx());
      given(request).when((r) => r.synchronise(views(['i-1', 'running'], ['i-2', 'pending']), clock.advance(30).ctx())).thenNothingChanges();
      request.attachMachines(['i-3'], [], clock.advance(30).ctx());
      given(request).when((r) => r.synchronise(views(['i-1', 'running'], ['i-2', 'running'], ['i-3', 'unknown']), clock.advance(30).ctx())).thenNothingChanges();
      given(request)
        .when((r) => r.synchronise(views(['i-1', 'running'], ['i-2', 'running'], ['i-3', 'running']), clock.advance(30).ctx()))
        .thenRecords('RequestStatusChanged', 'RequestCompleted');
      expect(request.status).toBe('completed');
    });

    it('times out at the deadline and keeps the machines that came up', () => {
      const clock = new TestClock();
      const request = anAcquireRequestWithMachines(3, 2, clock.ctx());
      const machines = views(['i-1', 'running'], ['i-2', 'pending']);
      given(request).when((r) => r.synchronise(machines, clock.advance(3599).ctx())).thenNothingChanges();
      const { events } = given(request).when((r) => r.synchronise(machines, clock.advance(1).ctx())).thenRecords('RequestStatusChanged', 'RequestCompleted');
      expect(request.status).toBe('timeout');
      expect(request.machineIds).toEqual(['i-1', 'i-2']);
      expect(request.statusMessage).toContain('1 of 3');
      expect((events[1] as RequestCompleted).data).toMatchObject({ status: 'timeout', succeeded: 1, failed: 0 });
    });

    it('completes as soon as running machines cover the request, even with extras still pending', () => {
      const request = anAcquireRequestWithMachines(2, 3);
      request.synchronise(views(['i-1', 'running'], ['i-2', 'running'], ['i-3', 'pending']), ctxAt());
      expect(request.status).toBe('completed');
    });

    it('prefers a known outcome to a timeout when both are due', () => {
      const clock = new TestClock();
      const request = anAcquireRequestWithMachines(1, 1, clock.ctx());
      request.synchronise(views(['i-1', 'running']), clock.advance(7200).ctx());
      expect(request.status).toBe('completed');
    });

    it('fails a request the provider never started by its deadline', () => {
      const clock = new TestClock();
      const request = anAcquireRequest(1, clock.ctx(), 60);
      given(request).when((r) => r.synchronise([], clock.advance(60).ctx())).thenRecords('RequestStatusChanged', 'RequestCompleted');
      expect(request.status).toBe('failed');
      expect(request.statusMessage).toContain('never started');
    });

    it('counts units, not machines, for a spot request', () => {
      const ctx = ctxAt();
      const template = aTemplate({ templateId: 'Spot', priceType: 'spot', vmType: undefined, vmTypes: { 'm5.xlarge': 1, 'm5.2xlarge': 2 } });
      const request = Request.createAcquire({ template, activeUnits: 0, requestedCount: 4 }, ctx);
      request.attachMachines(['i-1', 'i-2'], ['sfr-1'], ctx);
      request.synchronise(views(['i-1', 'running', 'm5.2xlarge'], ['i-2', 'running', 'm5.xlarge']), ctx);
      expect(request.status).toBe('in_progress');
      request.attachMachines(['i-3'], [], ctx);
      request.synchronise(views(['i-1', 'running', 'm5.2xlarge'], ['i-2', 'running', 'm5.xlarge'], ['i-3', 'running', 'm5.xlarge']), ctx);
      expect(request.status).toBe('completed');
    });

    it('counts a running machine of a type the template does not weigh as one unit', () => {
      const ctx = ctxAt();
      const template = aTemplate({ templateId: 'Spot', priceType: 'spot', vmType: undefined, vmTypes: { 'm5.2xlarge': 2 } });
      const request = Request.createAcquire({ template, activeUnits: 0, requestedCount: 2 }, ctx);
      request.attachMachines(['i-1'], [], ctx);
      request.synchronise([{ machineId: 'i-1', status: 'running', instanceType: 'c5.large' }], ctx);
      expect(request.status).toBe('in_progress');
      request.synchronise([{ machineId: 'i-1', status: 'running', instanceType: null }], ctx);
      expect(request.status).toBe('in_progress');
    });

    it('waits for a machine still starting when the outcomes so far could only be partial', () => {
      const request = anAcquireRequestWithMachines(2, 3);
      given(request).when((r) => r.synchronise(views(['i-1', 'running'], ['i-2', 'failed'], ['i-3', 'pending']), ctxAt())).thenNothingChanges();
      request.synchronise(views(['i-1', 'running'], ['i-2', 'failed'], ['i-3', 'running']), ctxAt());
      expect(request.status).toBe('completed');
    });

    it('accepts Machine aggregates as machine views', () => {
      const ctx = ctxAt();
      const request = anAcquireRequestWithMachines(1, 1, ctx);
      const machine = Machine.create({ machineId: 'i-1', requestId: request.requestId, templateId: 'OnDemand-Small', status: 'running' }, ctx);
      request.synchronise([machine], ctx);
      expect(request.status).toBe('completed');
    });

    it('ignores views of machines that are not attached', () => {
      given(anAcquireRequestWithMachines(1, 0)).when((r) => r.synchronise(views(['i-9', 'running']), ctxAt())).thenNothingChanges();
    });

    it('ignores a terminal request', () => {
      const request = anAcquireRequestWithMachines(1, 1);
      request.synchronise(views(['i-1', 'running']), ctxAt());
      given(request).when((r) => r.synchronise(views(['i-1', 'terminated']), ctxAt())).thenNothingChanges();
    });
  });

  describe('deriving the status of a return request', () => {
    it('passes a pending return request through in_progress to completed when every machine is terminated', () => {
      const { events, aggregate } = given(aReturnRequest(['i-1', 'i-2']))
        .when((r) => r.synchronise(views(['i-1', 'terminated'], ['i-2', 'terminated']), ctxAt()))
        .thenRecords('RequestStatusChanged', 'RequestStatusChanged', 'RequestCompleted');
      expect(events.slice(0, 2).map((e) => [(e as RequestStatusChanged).data.from, (e as RequestStatusChanged).data.to])).toEqual([
        ['pending', 'in_progress'],
        ['in_progress', 'completed'],
      ]);
      expect(aggregate.status).toBe('completed');
    });

    it('waits while machines are still shutting down', () => {
      const request = aReturnRequest(['i-1', 'i-2']);
      request.start(ctxAt());
      given(request).when((r) => r.synchronise(views(['i-1', 'terminated'], ['i-2', 'shutting-down']), ctxAt())).thenNothingChanges();
    });

    it('moves to partial when some machines refuse to terminate', () => {
      const request = aReturnRequest(['i-1', 'i-2', 'i-3']);
      request.start(ctxAt());
      request.synchronise(views(['i-1', 'terminated'], ['i-2', 'failed'], ['i-3', 'terminated']), ctxAt());
      expect(request.status).toBe('partial');
      expect(request.statusMessage).toContain('2 of 3');
    });

    it('moves to failed when no machine could be terminated', () => {
      const request = aReturnRequest(['i-1']);
      request.start(ctxAt());
      request.synchronise(views(['i-1', 'failed']), ctxAt());
      expect(request.status).toBe('failed');
    });

    it('counts a machine the provider refused to terminate as failed, unless it terminates after all', () => {
      const request = aReturnRequest(['i-1', 'i-2']);
      request.start(ctxAt());
      const { events } = given(request)
        .when((r) => r.recordTerminationFailures([{ machineId: 'i-2', message: 'OperationNotPermitted: termination protection' }], ctxAt()))
        .thenRecords('RequestTerminationFailed');
      expect(events[0]?.data).toEqual({
        failures: [{ machineId: 'i-2', message: 'OperationNotPermitted: termination protection' }],
        terminationFailures: { 'i-2': 'OperationNotPermitted: termination protection' },
      });
      given(request).when((r) => r.recordTerminationFailures([{ machineId: 'i-2', message: 'OperationNotPermitted: termination protection' }], ctxAt())).thenNothingChanges();
      given(request).when((r) => r.synchronise(views(['i-1', 'shutting-down'], ['i-2', 'running']), ctxAt())).thenNothingChanges();
      request.synchronise(views(['i-1', 'terminated'], ['i-2', 'running']), ctxAt());
      expect(request.status).toBe('partial');
      expect(request.statusMessage).toContain('termination protection');

      const retried = aReturnRequest(['i-1']);
      retried.start(ctxAt());
      retried.recordTerminationFailures([{ machineId: 'i-1', message: 'throttled' }], ctxAt());
      retried.synchronise(views(['i-1', 'terminated']), ctxAt());
      expect(retried.status).toBe('completed');
    });

    it('keeps one refusal per machine: the first of a call, a new reason later, a default for a blank one', () => {
      const request = aReturnRequest(['i-1', 'i-2']);
      request.start(ctxAt());
      const { events } = given(request)
        .when((r) => r.recordTerminationFailures([{ machineId: 'i-1', message: 'first' }, { machineId: 'i-1', message: 'second' }, { machineId: 'i-2', message: ' ' }], ctxAt()))
        .thenRecords('RequestTerminationFailed');
      const refusedByDefault = 'The provider refused to terminate the machine.';
      expect(events[0]?.data).toEqual({
        failures: [{ machineId: 'i-1', message: 'first' }, { machineId: 'i-2', message: refusedByDefault }],
        terminationFailures: { 'i-1': 'first', 'i-2': refusedByDefault },
      });
      given(request).when((r) => r.recordTerminationFailures([{ machineId: 'i-1', message: 'later' }], ctxAt())).thenRecords('RequestTerminationFailed');
      expect(request.terminationFailures).toEqual({ 'i-1': 'later', 'i-2': refusedByDefault });
    });

    it('refuses termination failures for machines it does not name, or on an acquire request', () => {
      given(aReturnRequest(['i-1'])).when((r) => r.recordTerminationFailures([{ machineId: 'i-9', message: 'x' }], ctxAt())).thenFailsWith('VALIDATION_FAILED');
      given(anAcquireRequestWithMachines(1, 1)).when((r) => r.recordTerminationFailures([{ machineId: 'i-1', message: 'x' }], ctxAt())).thenFailsWith('VALIDATION_FAILED');
    });

    it('times out when machines are still running at the deadline', () => {
      const clock = new TestClock();
      const request = aReturnRequest(['i-1', 'i-2'], clock.ctx());
      request.start(clock.ctx());
      request.synchronise(views(['i-1', 'terminated'], ['i-2', 'running']), clock.advance(3600).ctx());
      expect(request.status).toBe('timeout');
    });
  });
});

describe('deriveRequestOutcome, called directly', () => {
  const terms = (type: 'acquire' | 'return', machineIds: string[]) => ({
    type, requestedCount: 2, unitWeights: null, machineIds, status: 'in_progress' as const,
    createdAt: '2026-01-01T00:00:00.000Z', timeoutSeconds: 3600, terminationFailures: {},
  });
  const beforeDeadline = new Date('2026-01-01T00:10:00.000Z');

  it('counts each machine not yet settled once, and keeps the status with an empty reason', () => {
    const outcome = deriveRequestOutcome(terms('acquire', ['i-1', 'i-2']), views(['i-1', 'pending']), beforeDeadline);
    expect(outcome).toStrictEqual({ status: null, reason: '', progress: { succeeded: 0, failed: 0, unfinished: 2, succeededUnits: 0, settledUnits: 0, firstFailure: null } });
  });

  it('leaves a return request naming no machine as it is until its deadline', () => {
    expect(deriveRequestOutcome(terms('return', []), [], beforeDeadline).status).toBeNull();
  });
});
