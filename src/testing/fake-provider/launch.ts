import type { ProvisionInput } from '../../application/provider/provider.port';
import { countsUnits, machineUnits } from '../../domain/template/template-capacity';
import { pickInstanceType, type FakeBehaviour } from './behaviour';
import { bootIfDue, machineIdentity, newMachineRecord, type MachineRecord } from './fake-machine';
import type { RequestRecord } from './options';

/**
 * The machines of one launch of `input.count` units (machines; weights for weighted templates),
 * `pending` at `launchTime` unless `behaviour` brings them up at once. `nextSerial` numbers them.
 */
export function launchMachines(input: ProvisionInput, behaviour: FakeBehaviour, resourceId: string, launchTime: number, nextSerial: () => number): MachineRecord[] {
  const { template } = input;
  const weighted = countsUnits(template) && template.vmTypes !== null;
  const machines: MachineRecord[] = [];
  for (let units = 0, index = 0; units < input.count; index += 1) {
    const instanceType = pickInstanceType(template, behaviour, index, weighted);
    units += weighted ? machineUnits(template, instanceType) : 1;
    const machine = newMachineRecord({
      ...machineIdentity(nextSerial()),
      requestId: input.requestId,
      templateId: template.templateId,
      index,
      resourceId,
      instanceType,
      priceType: behaviour.priceType ?? (template.priceType === 'spot' ? 'spot' : 'ondemand'),
      instanceTags: { ...template.instanceTags, ...input.tags },
      launchTime,
    });
    bootIfDue(machine, behaviour, launchTime);
    machines.push(machine);
  }
  return machines;
}

/**
 * Cancels a request's fleet: a launch still to come is dropped (unless it goes ahead despite the
 * cancel), and its machines start shutting down. Returns what this call released: the fleet on the
 * first call, and each machine it started shutting down.
 */
export function cancelFleet(request: RequestRecord, machines: readonly MachineRecord[], requestId: string, now: number, terminateAfterSyncs: number): string[] {
  const released: string[] = [];
  if (request.cancelledAt === null) {
    request.cancelledAt = now;
    if (request.pendingLaunch?.despiteCancel !== true) request.pendingLaunch = null;
    released.push(...request.resourceIds);
  }
  for (const machine of machines) {
    if (['shutting-down', 'terminated', 'failed'].includes(machine.status)) continue;
    machine.status = 'shutting-down';
    machine.statusReason = `provision of ${requestId} cancelled`;
    machine.shutdownSyncsLeft = terminateAfterSyncs;
    released.push(machine.machineId);
  }
  return released;
}
