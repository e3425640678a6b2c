import type { ProviderMachine } from '../../application/provider/provider.port';
import type { MachineStatus } from '../../domain/machine/machine-status';
import { isChosenToFail, type FakeBehaviour } from './behaviour';

/** A machine of the {@link FakeProvider} as tests see it: the facts describe reports, plus where it came from. */
export interface FakeMachine extends ProviderMachine {
  readonly requestId: string;
  readonly templateId: string;
  /** Position within its request, in creation order (0-based). */
  readonly index: number;
  /** How many describe calls have returned it. */
  readonly syncs: number;
  readonly terminatedAt: Date | null;
}

/** The fake's mutable record of one machine. */
export interface MachineRecord {
  readonly machineId: string;
  readonly requestId: string;
  readonly templateId: string;
  readonly index: number;
  readonly resourceId: string;
  readonly name: string;
  readonly privateIpAddress: string;
  readonly instanceType: string;
  readonly priceType: 'ondemand' | 'spot';
  readonly instanceTags: Record<string, string>;
  readonly launchTime: number;
  status: MachineStatus;
  statusReason: string | null;
  syncs: number;
  /** Set while shutting down: describes left before it reports `terminated`. */
  shutdownSyncsLeft: number | null;
  terminatedAt: number | null;
}

/** The identity facts of the `serial`-th machine (1-based): `i-fake0001`, `ip-10-0-0-1.fake.internal`, `10.0.0.1`. */
export function machineIdentity(serial: number): { machineId: string; name: string; privateIpAddress: string } {
  const x = Math.floor((serial - 1) / 254) % 256;
  const y = ((serial - 1) % 254) + 1;
  return {
    machineId: `i-fake${String(serial).padStart(4, '0')}`,
    name: `ip-10-0-${x}-${y}.fake.internal`,
    privateIpAddress: `10.0.${x}.${y}`,
  };
}

/** A new `pending` machine with the given facts (no syncs, not shutting down). */
export function newMachineRecord(
  facts: Omit<MachineRecord, 'status' | 'statusReason' | 'syncs' | 'shutdownSyncsLeft' | 'terminatedAt'>,
): MachineRecord {
  return { ...facts, status: 'pending', statusReason: null, syncs: 0, shutdownSyncsLeft: null, terminatedAt: null };
}

/** Brings a pending machine up (or down, if chosen to fail) once `behaviour` says it is due. */
export function bootIfDue(machine: MachineRecord, behaviour: FakeBehaviour, now: number): void {
  if (machine.status !== 'pending') return;
  const { immediate, bootAfterSyncs, bootAfterMs } = behaviour;
  const due =
    immediate === true ||
    ((bootAfterSyncs === undefined || machine.syncs >= bootAfterSyncs) && (bootAfterMs === undefined || now - machine.launchTime >= bootAfterMs));
  if (!due) return;
  if (isChosenToFail(behaviour, machine.index)) {
    machine.status = 'failed';
    machine.statusReason = behaviour.fail?.message ?? 'failed';
  } else {
    machine.status = 'running';
  }
}

/** Counts one describe against a shutting-down machine, terminating it when its count is spent. */
export function shutDownIfDue(machine: MachineRecord, now: number): void {
  if (machine.status !== 'shutting-down' || machine.shutdownSyncsLeft === null) return;
  if (machine.shutdownSyncsLeft > 0) {
    machine.shutdownSyncsLeft -= 1;
    return;
  }
  markTerminated(machine, machine.statusReason ?? 'terminated', now);
}

/** Moves a machine to `terminated` with `reason` (a `failed` machine stays failed: both are terminal). */
export function markTerminated(machine: MachineRecord, reason: string, now: number): void {
  if (machine.status === 'terminated' || machine.status === 'failed') return;
  machine.status = 'terminated';
  machine.statusReason = reason;
  machine.shutdownSyncsLeft = null;
  machine.terminatedAt = now;
}

/** The facts describe reports for `machine` (a fresh copy). */
export function toProviderMachine(machine: MachineRecord): ProviderMachine {
  return {
    machineId: machine.machineId,
    status: machine.status,
    statusReason: machine.statusReason,
    name: machine.name,
    resourceId: machine.resourceId,
    instanceType: machine.instanceType,
    priceType: machine.priceType,
    cloudHostId: null,
    privateIpAddress: machine.privateIpAddress,
    publicIpAddress: null,
    instanceTags: { ...machine.instanceTags },
    launchTime: new Date(machine.launchTime),
  };
}

/** The test's view of `machine` (a fresh copy). */
export function toFakeMachine(machine: MachineRecord): FakeMachine {
  return {
    ...toProviderMachine(machine),
    requestId: machine.requestId,
    templateId: machine.templateId,
    index: machine.index,
    syncs: machine.syncs,
    terminatedAt: machine.terminatedAt === null ? null : new Date(machine.terminatedAt),
  };
}
