import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MACHINE_STATUSES, MACHINE_TRANSITIONS, type MachineStatus } from '../../src/domain/machine/machine-status';
import { Machine } from '../../src/domain/machine/machine';
import { REQUEST_STATUSES, REQUEST_TRANSITIONS, type RequestStatus } from '../../src/domain/request/request-status';
import { Request } from '../../src/domain/request/request';
import { Template } from '../../src/domain/template/template';
import { type DomainEvent } from '../../src/domain/shared/domain-event';
import { type TemplateInput } from '../../src/domain/template/template-definition';
import { isKernelError } from '../../src/kernel/errors';
import { ACQUIRE_ID, aTemplate } from './support/builders';
import { TestClock } from './support/context';

const RUNS = { numRuns: 300 };
const machineStatus = fc.constantFrom(...MACHINE_STATUSES);
const requestStatus = fc.constantFrom(...REQUEST_STATUSES);
const machineIdPool = fc.constantFrom('i-1', 'i-2', 'i-3', 'i-4', 'i-5', 'i-6');
const instanceType = fc.constantFrom('m5.xlarge', 'm5.2xlarge', 'c5.large');
const ip = fc.oneof(fc.ipV4(), fc.ipV6(), fc.constant(null));

const machineReport = fc.record(
  {
    status: machineStatus,
    statusReason: fc.constantFrom('', 'Client.UserInitiatedShutdown', 'Server.SpotInstanceTermination'),
    privateIpAddress: ip,
    publicIpAddress: ip,
    name: fc.constantFrom('ip-10-0-0-1', 'ip-10-0-0-2', null),
    launchTime: fc.constantFrom('2026-01-01T00:00:00.000Z', null),
  },
  { requiredKeys: [] },
);

type RequestCommand =
  | { kind: 'attach'; machineIds: string[]; resourceIds: string[] }
  | { kind: 'sync'; advance: number; views: { machineId: string; status: MachineStatus; instanceType: string }[] }
  | { kind: 'fail'; message: string }
  | { kind: 'cancel' }
  | { kind: 'start' }
  | { kind: 'refuse'; machineIds: string[] }
  | { kind: 'change'; to: RequestStatus };

const requestCommand: fc.Arbitrary<RequestCommand> = fc.oneof(
  fc.record({ kind: fc.constant('attach' as const), machineIds: fc.array(machineIdPool, { maxLength: 3 }), resourceIds: fc.array(fc.constantFrom('fleet-1', 'fleet-2'), { maxLength: 2 }) }),
  fc.record({
    kind: fc.constant('sync' as const),
    advance: fc.integer({ min: 0, max: 1800 }),
    views: fc.array(fc.record({ machineId: machineIdPool, status: machineStatus, instanceType }), { maxLength: 6 }),
  }),
  fc.record({ kind: fc.constant('fail' as const), message: fc.string({ maxLength: 20 }) }),
  fc.record({ kind: fc.constant('cancel' as const) }),
  fc.record({ kind: fc.constant('start' as const) }),
  fc.record({ kind: fc.constant('refuse' as const), machineIds: fc.array(machineIdPool, { maxLength: 2 }) }),
  fc.record({ kind: fc.constant('change' as const), to: requestStatus }),
);

function newRequest(clock: TestClock, type: 'acquire' | 'return', spot: boolean): Request {
  if (type === 'return') return Request.createReturn({ machineIds: ['i-1', 'i-2', 'i-3'], timeoutSeconds: 3600 }, clock.ctx());
  const template = spot
    ? aTemplate({ templateId: 'Spot', priceType: 'spot', vmType: undefined, maxNumber: -1, vmTypes: { 'm5.xlarge': 1, 'm5.2xlarge': 2 } })
    : aTemplate({ maxNumber: -1 });
  return Request.createAcquire({ template, activeUnits: 0, requestedCount: 3, timeoutSeconds: 3600 }, clock.ctx());
}

function apply(request: Request, command: RequestCommand, clock: TestClock): void {
  const ctx = clock.ctx();
  switch (command.kind) {
    case 'attach': return request.attachMachines(command.machineIds, command.resourceIds, ctx);
    case 'sync': return request.synchronise(command.views, clock.advance(command.advance).ctx());
    case 'fail': return request.fail(command.message, ctx);
    case 'cancel': return request.cancel('operator', ctx);
    case 'start': return request.start(ctx);
    case 'refuse': return request.recordTerminationFailures(command.machineIds.map((machineId) => ({ machineId, message: 'refused' })), ctx);
    case 'change': return request.changeStatus(command.to, 'operator', ctx);
  }
}

/** Checks the step invariants shared by all aggregates: a call either throws and changes nothing, or bumps the version by one exactly when it changed something. */
function checkStep(
  before: { version: number; snapshot: unknown },
  after: { version: number; snapshot: unknown },
  events: DomainEvent[],
  error: unknown,
  allowedCodes: readonly string[],
): void {
  const { version: _bv, ...stateBefore } = before.snapshot as Record<string, unknown>;
  const { version: _av, ...stateAfter } = after.snapshot as Record<string, unknown>;
  if (error !== undefined) {
    expect(allowedCodes.some((code) => isKernelError(error, code)), String(error)).toBe(true);
    expect(after.snapshot).toEqual(before.snapshot);
    expect(events).toEqual([]);
    return;
  }
  const changed = JSON.stringify(stateBefore) !== JSON.stringify(stateAfter);
  expect(after.version).toBe(before.version + (changed ? 1 : 0));
  expect(events.length > 0).toBe(changed);
  for (const event of events) expect(event.aggregateVersion).toBe(after.version);
}

describe('Request (properties)', () => {
  it('never reaches an illegal state, never loses an attached machine, and versions one step per change', () => {
    fc.assert(
      fc.property(fc.constantFrom('acquire' as const, 'return' as const), fc.boolean(), fc.array(requestCommand, { maxLength: 25 }), (type, spot, commands) => {
        const clock = new TestClock();
        const request = newRequest(clock, type, spot);
        request.pullEvents();
        for (const command of commands) {
          const before = { version: request.version, snapshot: request.toSnapshot() };
          let error: unknown;
          try {
            apply(request, command, clock);
          } catch (caught) {
            error = caught;
          }
          const events = request.pullEvents();
          const after = { version: request.version, snapshot: request.toSnapshot() };
          checkStep(before, after, events, error, ['INVALID_REQUEST_STATE_TRANSITION', 'VALIDATION_FAILED']);

          expect(REQUEST_STATUSES).toContain(request.status);
          for (const event of events) {
            if (event.type === 'RequestStatusChanged') expect(REQUEST_TRANSITIONS[event.data.from]).toContain(event.data.to);
          }
          const previous = before.snapshot.machineIds;
          expect(request.machineIds.slice(0, previous.length)).toEqual(previous);
          expect(new Set(request.machineIds).size).toBe(request.machineIds.length);
          if (REQUEST_TRANSITIONS[before.snapshot.status].length === 0) expect(request.status).toBe(before.snapshot.status);
          expect(request.completedAt === null).toBe(!request.isTerminal);
        }
      }),
      RUNS,
    );
  });

  it('restores to an equal request from its snapshot', () => {
    fc.assert(
      fc.property(fc.constantFrom('acquire' as const, 'return' as const), fc.boolean(), fc.array(requestCommand, { maxLength: 15 }), (type, spot, commands) => {
        const clock = new TestClock();
        const request = newRequest(clock, type, spot);
        for (const command of commands) {
          try {
            apply(request, command, clock);
          } catch {
            // illegal commands are part of the random walk
          }
        }
        const snapshot = request.toSnapshot();
        expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
        const restored = Request.restore(snapshot);
        expect(restored.toSnapshot()).toEqual(snapshot);
        expect(restored.version).toBe(request.version);
        expect(restored.pullEvents()).toEqual([]);
      }),
      RUNS,
    );
  });
});

describe('Machine (properties)', () => {
  it('follows the status machine for any sequence of provider reports and versions one step per change', () => {
    fc.assert(
      fc.property(machineStatus, fc.array(fc.oneof(machineReport, fc.record({ returnRequestId: fc.constant('ret-00000000-0000-4000-8000-0000000000bb') })), { maxLength: 25 }), (initial, steps) => {
        const clock = new TestClock();
        const machine = Machine.create({ machineId: 'i-1', requestId: ACQUIRE_ID, templateId: 'T', status: initial }, clock.ctx());
        machine.pullEvents();
        for (const step of steps) {
          const from = machine.status;
          const before = { version: machine.version, snapshot: machine.toSnapshot() };
          let error: unknown;
          try {
            if ('returnRequestId' in step) machine.markReturnRequested(step.returnRequestId, clock.advance(5).ctx());
            else machine.report(step, clock.advance(5).ctx());
          } catch (caught) {
            error = caught;
          }
          const events = machine.pullEvents();
          checkStep(before, { version: machine.version, snapshot: machine.toSnapshot() }, events, error, ['INVALID_MACHINE_STATE_TRANSITION']);
          const to = 'status' in step ? step.status : undefined;
          const legal = to === undefined || to === from || MACHINE_TRANSITIONS[from].includes(to);
          expect(error !== undefined).toBe(!legal);
          expect(machine.status).toBe(error === undefined && to !== undefined ? to : from);
          expect(machine.terminatedAt !== null).toBe(machine.status === 'terminated' || before.snapshot.terminatedAt !== null);
        }
        const snapshot = machine.toSnapshot();
        expect(Machine.restore(snapshot).toSnapshot()).toEqual(snapshot);
      }),
      RUNS,
    );
  });
});

describe('Template (properties)', () => {
  const tagMap = fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_-]{0,9}$/), fc.string({ maxLength: 12 }).filter((v) => !v.includes(';')), { maxKeys: 4 });
  const templateInput: fc.Arbitrary<TemplateInput> = fc.record({
    templateId: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
    maxNumber: fc.integer({ min: -1, max: 10_000 }),
    attributes: fc.record({
      type: fc.constantFrom('X86_64', 'ARM64'),
      ncpus: fc.integer({ min: 1, max: 192 }),
      nram: fc.integer({ min: 1, max: 1_000_000 }),
    }),
    priceType: fc.constantFrom('ondemand' as const, 'spot' as const, 'heterogeneous' as const),
    vmType: fc.constant('m5.large'),
    vmTypes: fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9]{1,4}\.[a-z0-9]{1,8}$/), fc.integer({ min: 1, max: 8 }), { minKeys: 1, maxKeys: 4 }),
    instanceTags: tagMap,
    active: fc.boolean(),
    fleetRole: fc.string({ maxLength: 20 }),
    percentOnDemand: fc.integer({ min: 0, max: 100 }),
  });

  it('restores to an equal template from its snapshot after random updates', () => {
    fc.assert(
      fc.property(templateInput, fc.array(fc.record({ maxNumber: fc.integer({ min: -1, max: 10_000 }), active: fc.boolean(), instanceTags: tagMap }, { requiredKeys: [] }), { maxLength: 5 }), (input, updates) => {
        const clock = new TestClock();
        const template = Template.create(input, clock.ctx());
        template.pullEvents();
        let version = template.version;
        for (const update of updates) {
          const before = template.toSnapshot();
          template.update(update, clock.advance(1).ctx());
          const changed = template.pullEvents().length > 0;
          expect(template.version).toBe(version + (changed ? 1 : 0));
          if (!changed) expect(template.toSnapshot()).toEqual(before);
          version = template.version;
        }
        const snapshot = template.toSnapshot();
        expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
        expect(Template.restore(snapshot).toSnapshot()).toEqual(snapshot);
      }),
      RUNS,
    );
  });
});
