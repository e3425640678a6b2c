import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/domain/machine/machine';
import { type MachineStatusChanged, type MachineUpdated } from '../../src/domain/machine/machine.events';
import { ACQUIRE_ID, RETURN_ID, aMachine } from './support/builders';
import { ctxAt, T0 } from './support/context';
import { expectFailure, given, issuePaths } from './support/given';

const later = ctxAt(new Date(T0.getTime() + 90_000));

describe('Machine', () => {
  it('is created with every provider fact and records the whole machine', () => {
    const machine = Machine.create(
      {
        machineId: 'i-0721bb06651cad7f1',
        requestId: ACQUIRE_ID,
        templateId: 'OnDemand-Small',
        name: 'ip-10-0-57-22.ec2.internal',
        providerApi: 'EC2Fleet',
        resourceId: 'fleet-1',
        instanceType: 'm5.large',
        priceType: 'spot',
        cloudHostId: 'h-1',
        privateIpAddress: '10.0.57.22',
        publicIpAddress: '2001:db8::1',
        instanceTags: 'team=grid',
        launchTime: '2026-01-01T00:00:00Z',
        status: 'running',
      },
      ctxAt(),
    );
    expect(machine.version).toBe(1);
    expect(machine.launchTime).toEqual(T0);
    expect(machine.instanceTags).toEqual({ team: 'grid' });
    const [event] = machine.pullEvents();
    const { schemaVersion: _s, version: _v, ...state } = machine.toSnapshot();
    expect(event).toMatchObject({ type: 'MachineCreated', aggregateType: 'Machine', aggregateId: 'i-0721bb06651cad7f1', data: { machine: state } });
  });

  it('starts with no reason, no return request and no facts but those reported', () => {
    const machine = aMachine('pending');
    expect(machine.toSnapshot()).toMatchObject({ statusReason: '', returnRequestId: null, name: null, terminatedAt: null, instanceTags: {}, providerApi: null });
  });

  it('reports every bad field at creation', () => {
    expect(
      issuePaths(() =>
        Machine.create({ machineId: '', requestId: RETURN_ID, templateId: 't', privateIpAddress: '10.0.0.300', publicIpAddress: 'host', launchTime: 'yesterday' }, ctxAt()),
      ),
    ).toEqual(['machineId', 'requestId', 'privateIpAddress', 'publicIpAddress', 'launchTime']);
  });

  it('applies the facts reported with a status move in the same event', () => {
    const { events, aggregate } = given(aMachine('pending'))
      .when((m) => m.report({ status: 'running', privateIpAddress: '10.0.0.5', name: 'ip-10-0-0-5', launchTime: T0 }, later))
      .thenRecords('MachineStatusChanged');
    expect((events[0] as MachineStatusChanged).data).toEqual({
      from: 'pending',
      to: 'running',
      reason: '',
      terminatedAt: null,
      facts: { name: 'ip-10-0-0-5', privateIpAddress: '10.0.0.5', launchTime: T0.toISOString() },
    });
    expect(aggregate.privateIpAddress).toBe('10.0.0.5');
  });

  it('records facts that change without a status move as MachineUpdated', () => {
    const machine = aMachine('running');
    const { events } = given(machine).when((m) => m.report({ status: 'running', publicIpAddress: '54.1.2.3' }, later)).thenRecords('MachineUpdated');
    expect((events[0] as MachineUpdated).data).toMatchObject({ changedFields: ['publicIpAddress'], facts: { publicIpAddress: '54.1.2.3' } });
    given(machine).when((m) => m.report({ publicIpAddress: '54.1.2.3' }, later)).thenNothingChanges();
    given(machine).when((m) => m.report({ publicIpAddress: null }, later)).thenRecords('MachineUpdated');
    expect(machine.publicIpAddress).toBeNull();
  });

  it('stamps terminatedAt when the machine terminates', () => {
    const machine = aMachine('running');
    machine.report({ status: 'terminated', statusReason: 'Client.UserInitiatedShutdown' }, later);
    expect(machine.terminatedAt).toEqual(later.now);
    expect(machine.statusReason).toBe('Client.UserInitiatedShutdown');
    expect(machine.isTerminal).toBe(true);
  });

  it('stamps terminatedAt on a machine first seen terminated, and keeps it when facts change later', () => {
    const machine = Machine.create({ machineId: 'i-1', requestId: ACQUIRE_ID, templateId: 'OnDemand-Small', status: 'terminated' }, ctxAt());
    expect(machine.terminatedAt).toEqual(T0);
    given(machine).when((m) => m.report({ status: 'terminated', privateIpAddress: '10.0.0.7' }, later)).thenRecords('MachineUpdated');
    expect(machine.terminatedAt).toEqual(T0);
    expect(aMachine('running').terminatedAt).toBeNull();
  });

  it('clears the reason on a status move that gives none, and records a reason that alone changed', () => {
    const machine = aMachine('pending');
    machine.report({ status: 'running', statusReason: 'launched' }, later);
    const { events } = given(machine).when((m) => m.report({ statusReason: 'Server.ScheduledStop' }, later)).thenRecords('MachineUpdated');
    expect((events[0] as MachineUpdated).data).toEqual({ changedFields: ['statusReason'], facts: {}, statusReason: 'Server.ScheduledStop' });
    given(machine).when((m) => m.report({ status: 'running' }, later)).thenNothingChanges();
    given(machine).when((m) => m.report({ status: 'stopping' }, later)).thenRecords('MachineStatusChanged');
    expect(machine.statusReason).toBe('');
  });

  it('refuses an empty providerApi, a status that does not exist and a reason that is not text', () => {
    const base = { machineId: 'i-1', requestId: ACQUIRE_ID, templateId: 'OnDemand-Small' };
    expect(issuePaths(() => Machine.create({ ...base, providerApi: '', status: 'booting' as never, statusReason: 7 as never }, ctxAt()))).toEqual(['status', 'providerApi', 'statusReason']);
    expect(Machine.create({ ...base, providerApi: null, statusReason: null }, ctxAt()).providerApi).toBeNull();
    given(aMachine('running')).when((m) => m.report({ status: 'booting' as never }, later)).thenFailsWith('VALIDATION_FAILED');
    given(aMachine('running')).when((m) => m.report({ statusReason: 7 as never }, later)).thenFailsWith('VALIDATION_FAILED');
  });

  it('refuses a blank text fact, an unknown price type and a launch time that is neither a date nor ISO text', () => {
    expect(issuePaths(() => aMachine('running').report({ name: ' ', instanceType: '', priceType: 'reserved' as never, launchTime: 1_767_225_600 as never }, later)))
      .toEqual(['name', 'instanceType', 'priceType', 'launchTime']);
    const machine = aMachine('running');
    machine.report({ name: 'ip-10-0-0-1', priceType: 'ondemand', launchTime: '2026-01-01T00:00:00Z' }, later);
    machine.report({ name: null, priceType: null }, later);
    expect(machine.toSnapshot()).toMatchObject({ name: null, priceType: null, launchTime: T0.toISOString() });
  });

  it('rejects an invalid report without applying any of it', () => {
    given(aMachine('running')).when((m) => m.report({ privateIpAddress: 'nope', name: 'x' }, later)).thenFailsWith('VALIDATION_FAILED');
  });

  it('records the return request that names it, once', () => {
    const machine = aMachine('running');
    const { events } = given(machine).when((m) => m.markReturnRequested(RETURN_ID, later)).thenRecords('MachineReturnRequested');
    expect(events[0]?.data).toEqual({ returnRequestId: RETURN_ID, previousReturnRequestId: null });
    expect(machine.returnRequestId).toBe(RETURN_ID);
    given(machine).when((m) => m.markReturnRequested(RETURN_ID, later)).thenNothingChanges();
    given(machine).when((m) => m.markReturnRequested(ACQUIRE_ID, later)).thenFailsWith('VALIDATION_FAILED');
  });

  it('round-trips through its snapshot', () => {
    const machine = aMachine('pending');
    machine.report({ status: 'running', privateIpAddress: '10.0.0.5', instanceTags: { a: 'b' } }, later);
    const snapshot = machine.toSnapshot();
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
    expect(Machine.restore(snapshot).toSnapshot()).toEqual(snapshot);
  });
});

describe('Machine, field by field', () => {
  const refusal = (act: () => unknown): { path: string; constraint: string }[] =>
    (expectFailure(act, 'VALIDATION_FAILED') as unknown as { issues: { path: string; constraint: string }[] }).issues.map(({ path, constraint }) => ({ path, constraint }));
  const base = { machineId: 'i-1', requestId: ACQUIRE_ID, templateId: 'T1' };

  it('reads back every fact it was created with', () => {
    const machine = Machine.create({ ...base, resourceId: 'fleet-1', priceType: 'spot', cloudHostId: 'h-1' }, ctxAt());
    expect(machine.templateId).toBe('T1');
    expect(machine.resourceId).toBe('fleet-1');
    expect(machine.priceType).toBe('spot');
    expect(machine.cloudHostId).toBe('h-1');
    expect(machine.createdAt).toEqual(T0);
    expect(machine.updatedAt).toEqual(T0);
  });

  it('refuses a fact or providerApi that is not a string as VALIDATION_FAILED, not a TypeError', () => {
    expect(refusal(() => Machine.create({ ...base, name: 5 as never }, ctxAt()))).toEqual([{ path: 'name', constraint: 'isNotEmpty' }]);
    expect(refusal(() => Machine.create({ ...base, providerApi: 5 as never }, ctxAt()))).toEqual([{ path: 'providerApi', constraint: 'isNotEmpty' }]);
  });

  it('holds names to 256 code points and reasons to 1,000', () => {
    expect(refusal(() => Machine.create({ ...base, name: 'n'.repeat(257) }, ctxAt()))).toEqual([{ path: 'name', constraint: 'textLength' }]);
    expect(refusal(() => Machine.create({ ...base, statusReason: 'r'.repeat(1001) }, ctxAt()))).toEqual([{ path: 'statusReason', constraint: 'textLength' }]);
  });

  it('keeps its tags when a report has none, and names a bad tag under instanceTags', () => {
    const machine = Machine.create({ ...base, instanceTags: 'team=grid' }, ctxAt());
    machine.report({ status: 'running' }, later);
    expect(machine.instanceTags).toEqual({ team: 'grid' });
    expect(refusal(() => Machine.create({ ...base, instanceTags: { ['k'.repeat(129)]: 'v' } }, ctxAt()))[0]?.path).toMatch(/^instanceTags/);
  });

  it('names returnRequestId when a return request id is malformed', () => {
    expect(refusal(() => aMachine('running').markReturnRequested(ACQUIRE_ID, later))).toEqual([{ path: 'returnRequestId', constraint: expect.any(String) }]);
  });
});
