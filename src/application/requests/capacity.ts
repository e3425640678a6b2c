import { deliverableUnits, machineUnits, type CapacityTerms } from '../../domain/template/template-capacity';
import { holdsCapacity, MACHINE_STATUSES, type MachineStatus } from '../../domain/machine/machine-status';

/** Machine statuses that still hold a template's capacity. */
export const CAPACITY_HOLDING_STATUSES: readonly MachineStatus[] = MACHINE_STATUSES.filter(holdsCapacity);

interface MachineLike {
  readonly status: MachineStatus;
  readonly instanceType?: string | null;
}

interface OpenRequestLike {
  readonly requestedCount: number;
}

/**
 * Units of a template that are spoken for: every live machine (any status but terminated and
 * failed) plus what each open acquire request may still bring: its requested units minus the units of
 * the machines already attached to it (whatever their status), rounded up to what the cloud can
 * deliver in whole machines ({@link deliverableUnits}). `attachedOf(request)` gives the attached ones.
 */
export function committedUnits<R extends OpenRequestLike>(
  template: Omit<CapacityTerms, 'maxNumber'>,
  liveMachines: readonly MachineLike[],
  openRequests: readonly R[],
  attachedOf: (request: R) => readonly MachineLike[],
): number {
  let units = 0;
  for (const machine of liveMachines) units += machineUnits(template, machine.instanceType);
  for (const request of openRequests) {
    let attached = 0;
    for (const machine of attachedOf(request)) attached += machineUnits(template, machine.instanceType);
    units += deliverableUnits(template, request.requestedCount - attached);
  }
  return units;
}
