import { describe, expect, it } from 'vitest';
import { Request, type RequestSnapshot } from '../../src/domain/request/request';
import { type RequestAcknowledged, type RequestTerminationResent } from '../../src/domain/request/request.events';
import { aReturnRequest, anAcquireRequest, anAcquireRequestWithMachines, views } from './support/builders';
import { ctxAt } from './support/context';
import { expectFailure, given } from './support/given';

describe('Request acknowledgement', () => {
  it('is null at creation and recorded once, at the first acknowledge', () => {
    const request = anAcquireRequest(2);
    expect(request.acknowledgedAt).toBeNull();
    const { events, aggregate } = given(request).when((r) => r.acknowledge(ctxAt(new Date('2026-01-01T00:05:00.000Z')))).thenRecords('RequestAcknowledged');
    expect((events[0] as RequestAcknowledged).data.acknowledgedAt).toBe('2026-01-01T00:05:00.000Z');
    expect(aggregate.toSnapshot().acknowledgedAt).toBe('2026-01-01T00:05:00.000Z');
    given(aggregate).when((r) => r.acknowledge(ctxAt(new Date('2026-01-01T00:09:00.000Z')))).thenNothingChanges();
    expect(aggregate.acknowledgedAt!.toISOString()).toBe('2026-01-01T00:05:00.000Z');
  });

  it('counts a request stored before acknowledgement existed as acknowledged at its creation', () => {
    const { acknowledgedAt: _dropped, ...older } = anAcquireRequest(1).toSnapshot();
    const restored = Request.restore(older as RequestSnapshot);
    expect(restored.acknowledgedAt).toEqual(restored.createdAt);
  });
});

describe('Request.resendTermination', () => {
  it('records the re-send of a return in progress, taking a version step', () => {
    const request = aReturnRequest(['i-1', 'i-2']);
    request.start(ctxAt());
    request.pullEvents();
    const before = request.version;
    const { events } = given(request).when((r) => r.resendTermination(['i-2'], ctxAt())).thenRecords('RequestTerminationResent');
    expect((events[0] as RequestTerminationResent).data.machineIds).toEqual(['i-2']);
    expect(request.version).toBe(before + 1);
    given(request).when((r) => r.resendTermination([], ctxAt())).thenNothingChanges();
  });

  it('refuses an acquire request, a pending return, and a machine the request does not name', () => {
    expectFailure(() => anAcquireRequestWithMachines(1, 1).resendTermination(['i-1'], ctxAt()), 'VALIDATION_FAILED');
    expectFailure(() => aReturnRequest(['i-1']).resendTermination(['i-1'], ctxAt()), 'VALIDATION_FAILED');
    const started = aReturnRequest(['i-1']);
    started.start(ctxAt());
    expectFailure(() => started.resendTermination(['i-9'], ctxAt()), 'VALIDATION_FAILED');
  });
});

describe('Request derivation with 1 running and 1 failed machine of 2', () => {
  it('is partial, not failed', () => {
    const { aggregate } = given(anAcquireRequestWithMachines(2, 2))
      .when((r) => r.synchronise(views(['i-1', 'running'], ['i-2', 'failed']), ctxAt()))
      .thenRecords('RequestStatusChanged', 'RequestCompleted');
    expect(aggregate.status).toBe('partial');
    expect(aggregate.statusMessage).toContain('1 of 2');
  });
});
