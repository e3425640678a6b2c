import type { RequestType } from '../shared/ids';
import type { MachineStatus } from './machine-status';

/** How Symphony judges one machine of a request. */
export type MachineResult = 'executing' | 'succeed' | 'fail';

const ACQUIRE: Readonly<Record<MachineStatus, MachineResult>> = {
  pending: 'executing',
  unknown: 'executing',
  running: 'succeed',
  stopping: 'fail',
  'shutting-down': 'fail',
  stopped: 'fail',
  terminated: 'fail',
  failed: 'fail',
};

const RETURN: Readonly<Record<MachineStatus, MachineResult>> = {
  pending: 'executing',
  unknown: 'executing',
  running: 'executing',
  stopping: 'executing',
  'shutting-down': 'executing',
  stopped: 'executing',
  terminated: 'succeed',
  failed: 'fail',
};

/** The Symphony `result` of a machine in `status` on a request of `requestType` (the domain's one table). */
export function machineResult(requestType: RequestType, status: MachineStatus): MachineResult {
  return (requestType === 'acquire' ? ACQUIRE : RETURN)[status];
}

const FAIL_MESSAGES: Readonly<Record<RequestType, Partial<Record<MachineStatus, string>>>> = {
  acquire: {
    stopping: 'The machine is stopping instead of running.',
    'shutting-down': 'The machine is shutting down instead of running.',
    stopped: 'The machine stopped instead of running.',
    terminated: 'The machine was terminated before it could be used.',
    failed: 'The provider failed to start the machine.',
  },
  return: {
    failed: 'The provider could not terminate the machine.',
  },
};

/**
 * The message to show with {@link machineResult}: the provider's `statusReason` when there is one,
 * otherwise a sentence for the status. Never empty when the result is `fail`; `''` may be returned otherwise.
 */
export function machineResultMessage(requestType: RequestType, status: MachineStatus, statusReason?: string | null): string {
  const reason = statusReason?.trim() ?? '';
  if (machineResult(requestType, status) !== 'fail') return reason;
  return reason !== '' ? reason : (FAIL_MESSAGES[requestType][status] ?? `The machine is ${status}.`);
}
