import type { ProvisionInput } from '../../application/provider/provider.port';
import { countsUnits, machineUnits } from '../../domain';
import { pickInstanceType, type FakeBehaviour } from './behaviour';
import { bootIfDue, machineIdentity, newMachineRecord, type MachineRecord } from './fake-machine';

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
