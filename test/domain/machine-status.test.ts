import { describe, expect, it } from 'vitest';
import { MACHINE_STATUSES, MACHINE_TRANSITIONS, type MachineStatus } from '../../src/domain/machine/machine-status';
import { aMachine } from './support/builders';
import { ctxAt, T0 } from './support/context';
import { given } from './support/given';

const ALLOWED: Record<MachineStatus, MachineStatus[]> = {
  pending: ['running', 'stopping', 'shutting-down', 'terminated', 'failed', 'unknown'],
  running: ['stopping', 'stopped', 'shutting-down', 'terminated', 'failed', 'unknown'],
  stopping: ['stopped', 'shutting-down', 'terminated', 'unknown'],
  stopped: ['pending', 'running', 'shutting-down', 'terminated', 'unknown'],
  'shutting-down': ['terminated', 'unknown'],
  unknown: ['pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated', 'failed'],
  terminated: [],
  failed: [],
};

const later = ctxAt(new Date(T0.getTime() + 60_000));
const cells = MACHINE_STATUSES.flatMap((from) => MACHINE_STATUSES.map((to) => ({ from, to })));

describe('Machine status machine', () => {
  it('matches the table of the spec', () => {
    expect(MACHINE_TRANSITIONS).toEqual(ALLOWED);
  });

  it.each(cells.filter(({ from, to }) => ALLOWED[from].includes(to)))('lets a $from machine move to $to with one event', ({ from, to }) => {
    const { events, aggregate } = given(aMachine(from))
      .when((m) => m.report({ status: to, statusReason: 'provider says so' }, later))
      .thenRecords('MachineStatusChanged');
    expect(events[0]?.data).toMatchObject({ from, to, reason: 'provider says so' });
    expect(aggregate.status).toBe(to);
  });

  it.each(cells.filter(({ from, to }) => from !== to && !ALLOWED[from].includes(to)))(
    'rejects a report moving a $from machine to $to and applies nothing',
    ({ from, to }) => {
      const { error } = given(aMachine(from))
        .when((m) => m.report({ status: to, privateIpAddress: '10.0.0.9' }, later))
        .thenFailsWith('INVALID_MACHINE_STATE_TRANSITION');
      expect(error.details).toMatchObject({ from, to });
      expect(error.message).toContain(`"${from}"`);
      expect(error.message).toContain(`"${to}"`);
    },
  );

  it.each(MACHINE_STATUSES)('treats a report of the current status %s as a no-op', (status) => {
    given(aMachine(status)).when((m) => m.report({ status }, later)).thenNothingChanges();
  });
});
