import { parseMachineId } from '../shared/ids';
import { checkText } from '../shared/text';
import { Issues, collect, joinPath, describeValue } from '../../kernel/validation';
import type { RequestState, TerminationFailure } from './request-state';

type MachineTerms = Pick<RequestState, 'requestId' | 'type' | 'status' | 'machineIds' | 'resourceIds' | 'terminationFailures'>;

/** Machine and resource ids new to a request, in the order given, each once. */
export interface NewAttachments {
  readonly addedMachineIds: string[];
  readonly addedResourceIds: string[];
}

/**
 * Checks machines and provider resources to attach (see `Request.attachMachines`): every problem
 * together as VALIDATION_FAILED, naming a machine a return request did not name among them (its
 * machines are fixed at creation). Returns the ids not yet attached.
 */
export function admitAttachments(request: MachineTerms, machineIds: readonly string[], resourceIds: readonly string[]): NewAttachments {
  const issues = new Issues();
  const addedMachineIds: string[] = [];
  const addedResourceIds: string[] = [];
  machineIds.forEach((id, index) => {
    const path = joinPath('machineIds', index);
    if (collect(issues, () => parseMachineId(id, path)) === undefined) return;
    if (request.machineIds.includes(id) || addedMachineIds.includes(id)) return;
    if (request.type === 'return') {
      issues.add(path, 'fixedAtCreation', `return request ${request.requestId} did not name machine "${id}"; its machines are fixed at creation`);
    } else addedMachineIds.push(id);
  });
  resourceIds.forEach((id, index) => {
    if (typeof id !== 'string' || id.trim() === '') {
      issues.add(joinPath('resourceIds', index), 'isNotEmpty', `must be a non-empty string, got ${describeValue(id)}`);
    } else if (!checkText(issues, joinPath('resourceIds', index), id, 'id')) return;
    else if (!request.resourceIds.includes(id) && !addedResourceIds.includes(id)) addedResourceIds.push(id);
  });
  issues.throwIfAny('attached machines');
  return { addedMachineIds, addedResourceIds };
}

/**
 * Checks machines a return request's provider refused to terminate (see
 * `Request.recordTerminationFailures`): VALIDATION_FAILED for an acquire request or a machine the
 * request does not name. Returns the refusals not yet recorded, each once, an empty message given
 * the default reason.
 */
export function admitTerminationFailures(request: MachineTerms, failures: readonly TerminationFailure[]): TerminationFailure[] {
  const issues = new Issues();
  if (request.type !== 'return') {
    issues.add('', 'isReturnRequest', `request ${request.requestId} is an acquire request; only return requests terminate machines`);
  }
  const added: TerminationFailure[] = [];
  failures.forEach(({ machineId, message }, index) => {
    const path = joinPath('failures', index);
    if (!request.machineIds.includes(machineId)) {
      issues.add(`${path}.machineId`, 'namedByRequest', `request ${request.requestId} does not name machine "${machineId}"`);
      return;
    }
    const reason = typeof message === 'string' && message.trim() !== '' ? message : 'The provider refused to terminate the machine.';
    if (!checkText(issues, `${path}.message`, reason, 'reason')) return;
    if (request.terminationFailures[machineId] === reason || added.some((f) => f.machineId === machineId)) return;
    added.push({ machineId, message: reason });
  });
  issues.throwIfAny('termination failures');
  return added;
}

/**
 * Checks a claim to re-send termination (see `Request.resendTermination`): VALIDATION_FAILED unless
 * the request is a return request in progress that names every one of `machineIds`.
 */
export function checkTerminationResend(request: MachineTerms, machineIds: readonly string[]): void {
  const issues = new Issues();
  if (request.type !== 'return' || request.status !== 'in_progress') {
    issues.add('', 'isReturnInProgress', `request ${request.requestId} is ${request.type} ${request.status}; only a return request in progress re-sends termination`);
  }
  machineIds.forEach((id, index) => {
    if (!request.machineIds.includes(id)) issues.add(joinPath('machineIds', index), 'namedByRequest', `request ${request.requestId} does not name machine "${id}"`);
  });
  issues.throwIfAny('termination re-send');
}
