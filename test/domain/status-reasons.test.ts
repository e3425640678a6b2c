import { describe, expect, it } from 'vitest';
import { Request } from '../../src/domain/request/request';
import { type MachineStatus } from '../../src/domain/machine/machine-status';
import { aReturnRequest, aTemplate, anAcquireRequest, anAcquireRequestWithMachines, views } from './support/builders';
import { TestClock, ctxAt } from './support/context';

/** The status and the reason a request shows after `act`, as the requester reads them. */
function shown(request: Request, act: (r: Request) => void): string {
  act(request);
  return `${request.status}: ${request.statusMessage}`;
}

const at = (seconds: number) => new TestClock().advance(seconds).ctx();
const machines = (...statuses: MachineStatus[]) => views(...statuses.map((s, i) => [`i-${i + 1}`, s] as [string, MachineStatus]));

function spotRequest(): Request {
  const template = aTemplate({ templateId: 'Spot', priceType: 'spot', vmType: undefined, vmTypes: { 'm5.2xlarge': 2 } });
  const request = Request.createAcquire({ template, activeUnits: 0, requestedCount: 4 }, ctxAt());
  request.attachMachines(['i-1', 'i-2'], [], ctxAt());
  return request;
}

function startedReturn(ids: string[]): Request {
  const request = aReturnRequest(ids);
  request.start(ctxAt());
  return request;
}

describe('The reason a request shows', () => {
  it('says why, in every status the domain moves it to', () => {
    expect([
      shown(anAcquireRequest(1), (r) => r.start(ctxAt())),
      shown(anAcquireRequestWithMachines(2, 2), (r) => r.synchronise(machines('running', 'running'), ctxAt())),
      shown(anAcquireRequestWithMachines(2, 2), (r) => r.synchronise(views(['i-1', 'running'], ['i-2', 'failed']), ctxAt())),
      shown(anAcquireRequestWithMachines(2, 2), (r) => r.synchronise([{ machineId: 'i-1', status: 'failed', statusReason: 'InsufficientInstanceCapacity' }, { machineId: 'i-2', status: 'terminated' }], ctxAt())),
      shown(spotRequest(), (r) => r.synchronise([{ machineId: 'i-1', status: 'running', instanceType: 'm5.2xlarge' }, { machineId: 'i-2', status: 'stopped', instanceType: 'm5.2xlarge' }], ctxAt())),
      shown(anAcquireRequestWithMachines(2, 1), (r) => r.synchronise(machines('running'), at(3600))),
      shown(spotRequest(), (r) => r.synchronise([], at(3600))),
      shown(anAcquireRequest(1), (r) => r.synchronise([], at(3600))),
      shown(startedReturn(['i-1', 'i-2']), (r) => r.synchronise(machines('terminated', 'terminated'), ctxAt())),
      shown(startedReturn(['i-1', 'i-2']), (r) => r.synchronise(machines('terminated', 'failed'), ctxAt())),
      shown(startedReturn(['i-1']), (r) => r.synchronise(machines('failed'), ctxAt())),
      shown(startedReturn(['i-1', 'i-2']), (r) => r.synchronise(machines('terminated', 'running'), at(3600))),
      shown(anAcquireRequest(1), (r) => r.fail('', ctxAt())),
      shown(anAcquireRequest(1), (r) => r.cancel('', ctxAt())),
    ]).toMatchInlineSnapshot(`
      [
        "in_progress: The provider accepted the request.",
        "completed: All 2 requested machine(s) are running.",
        "partial: 1 of 2 requested machine(s) are running; 1 machine(s) failed (i-2: The provider failed to start the machine.).",
        "failed: None of the 2 requested machine(s) started; 2 machine(s) failed (i-1: InsufficientInstanceCapacity).",
        "partial: 2 of 4 requested unit(s) are running; 1 machine(s) failed (i-2: The machine stopped instead of running.).",
        "timeout: The deadline 2026-01-01T01:00:00.000Z passed with 1 of 2 requested machine(s) running.",
        "timeout: The deadline 2026-01-01T01:00:00.000Z passed with 0 of 4 requested unit(s) running.",
        "failed: The request was never started by the provider before its deadline 2026-01-01T01:00:00.000Z.",
        "completed: All 2 machine(s) are terminated.",
        "partial: 1 of 2 machine(s) are terminated; 1 could not be terminated (i-2: The provider could not terminate the machine.).",
        "failed: None of the 1 machine(s) could be terminated (i-1: The provider could not terminate the machine.).",
        "timeout: The deadline 2026-01-01T01:00:00.000Z passed with 1 of 2 machine(s) terminated.",
        "failed: The provider failed without a message.",
        "cancelled: The request was cancelled.",
      ]
    `);
  });
});
