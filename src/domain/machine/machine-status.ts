import { InvalidMachineStateTransitionError } from '../shared/errors';

/** Status of a machine as the provider reports it (`failed`/`unknown` are the domain's own). */
export type MachineStatus =
  | 'pending'
  | 'running'
  | 'stopping'
  | 'stopped'
  | 'shutting-down'
  | 'terminated'
  | 'failed'
  | 'unknown';

/** Every machine status. */
export const MACHINE_STATUSES: readonly MachineStatus[] = [
  'pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated', 'failed', 'unknown',
];

/** Statuses a machine never leaves. */
export const TERMINAL_MACHINE_STATUSES: readonly MachineStatus[] = ['terminated', 'failed'];

/** The enforced machine status machine: status → statuses it may move to (every non-terminal may go `unknown`). */
export const MACHINE_TRANSITIONS: Readonly<Record<MachineStatus, readonly MachineStatus[]>> = {
  pending: ['running', 'stopping', 'shutting-down', 'terminated', 'failed', 'unknown'],
  running: ['stopping', 'stopped', 'shutting-down', 'terminated', 'failed', 'unknown'],
  stopping: ['stopped', 'shutting-down', 'terminated', 'unknown'],
  stopped: ['pending', 'running', 'shutting-down', 'terminated', 'unknown'],
  'shutting-down': ['terminated', 'unknown'],
  unknown: ['pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated', 'failed'],
  terminated: [],
  failed: [],
};

/** True for a status in {@link MACHINE_STATUSES}. */
export function isMachineStatus(value: unknown): value is MachineStatus {
  return MACHINE_STATUSES.includes(value as MachineStatus);
}

/** True for `terminated` and `failed`. */
export function isTerminalMachineStatus(status: MachineStatus): boolean {
  return TERMINAL_MACHINE_STATUSES.includes(status);
}

/** True when the machine status machine allows `from → to` (a same-status report is not a move). */
export function canMachineMove(from: MachineStatus, to: MachineStatus): boolean {
  return MACHINE_TRANSITIONS[from].includes(to);
}

/** Throws INVALID_MACHINE_STATE_TRANSITION naming both statuses unless `from → to` is allowed. */
export function assertMachineMove(machineId: string, from: MachineStatus, to: MachineStatus): void {
  if (!canMachineMove(from, to)) throw new InvalidMachineStateTransitionError(machineId, from, to, MACHINE_TRANSITIONS[from]);
}

/**
 * True while the machine holds template capacity: every status but `terminated` and `failed`
 * (`unknown` holds it, since the provider may still be billing for it).
 */
export function holdsCapacity(status: MachineStatus): boolean {
  return !isTerminalMachineStatus(status);
}
