import { describe, expect, it } from 'vitest';
import { MACHINE_STATUSES, type MachineStatus } from '../../src/domain/machine/machine-status';
import { machineResult, machineResultMessage, type MachineResult } from '../../src/domain/machine/machine-result';

const TABLE: [MachineStatus, MachineResult, MachineResult][] = [
  ['pending', 'executing', 'executing'],
  ['unknown', 'executing', 'executing'],
  ['running', 'succeed', 'executing'],
  ['stopping', 'fail', 'executing'],
  ['shutting-down', 'fail', 'executing'],
  ['stopped', 'fail', 'executing'],
  ['terminated', 'fail', 'succeed'],
  ['failed', 'fail', 'fail'],
];

describe('machineResult', () => {
  it('covers every machine status', () => {
    expect(TABLE.map(([s]) => s).sort()).toEqual([...MACHINE_STATUSES].sort());
  });

  it.each(TABLE)('judges a %s machine %s on an acquire request and %s on a return request', (status, onAcquire, onReturn) => {
    expect(machineResult('acquire', status)).toBe(onAcquire);
    expect(machineResult('return', status)).toBe(onReturn);
  });

  const failing = TABLE.flatMap(([status, onAcquire, onReturn]) => [
    ...(onAcquire === 'fail' ? [{ type: 'acquire' as const, status }] : []),
    ...(onReturn === 'fail' ? [{ type: 'return' as const, status }] : []),
  ]);

  it.each(failing)(
    'gives a non-empty message when a $status machine fails on a $type request',
    ({ type, status }) => {
      expect(machineResult(type, status)).toBe('fail');
      expect(machineResultMessage(type, status).trim()).not.toBe('');
      expect(machineResultMessage(type, status, '   ').trim()).not.toBe('');
    },
  );

  it("prefers the provider's reason as the message", () => {
    expect(machineResultMessage('acquire', 'failed', 'InsufficientInstanceCapacity')).toBe('InsufficientInstanceCapacity');
    expect(machineResultMessage('acquire', 'running')).toBe('');
  });
});
