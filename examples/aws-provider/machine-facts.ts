import type { Instance } from '@aws-sdk/client-ec2';
import type { MachineStatus, ProviderMachine } from 'hostfactory-kernel';
import { tagMap } from './tags';

/** EC2 state reasons of an instance that never came up: the launch failed, it was not stopped by anyone. */
const LAUNCH_FAILURES = new Set([
  'Server.InternalError',
  'Server.InsufficientInstanceCapacity',
  'Client.VolumeLimitExceeded',
  'Client.InternalError',
  'Client.InvalidSnapshot.NotFound',
  // Ours: the adapter ended a launch that stayed pending too long (see stuckLaunch).
  'Client.PendingTimeout',
]);

/** True when EC2 ended the instance because its launch failed (state reason above). */
export function launchFailed(instance: Instance): boolean {
  const state = instance.State?.Name;
  return (state === 'terminated' || state === 'shutting-down') && LAUNCH_FAILURES.has(instance.StateReason?.Code ?? '');
}

/**
 * The machine status of an EC2 instance: EC2's state name, except an instance ended by a launch
 * failure (capacity, EBS, internal error) is `failed` with the state reason, so the request counts
 * it as a failed slot rather than a machine someone terminated.
 */
export function machineStatus(instance: Instance): MachineStatus {
  if (launchFailed(instance)) return 'failed';
  switch (instance.State?.Name) {
    case 'pending': return 'pending';
    case 'running': return 'running';
    case 'stopping': return 'stopping';
    case 'stopped': return 'stopped';
    case 'shutting-down': return 'shutting-down';
    case 'terminated': return 'terminated';
    default: return 'unknown';
  }
}

/** True when `instance` is still pending more than `timeoutSeconds` after its launch, at `now` (epoch ms). */
export function pendingTooLong(instance: Instance, timeoutSeconds: number, now: number): boolean {
  const launched = instance.LaunchTime?.getTime();
  return instance.State?.Name === 'pending' && launched !== undefined && now - launched > timeoutSeconds * 1000;
}

/** The instance as terminated for a launch that never left pending: reported as a failed slot with why. */
export function stuckLaunch(instance: Instance, timeoutSeconds: number): Instance {
  return {
    ...instance,
    State: { Name: 'terminated', Code: 48 },
    StateReason: { Code: 'Client.PendingTimeout', Message: `the instance stayed pending longer than ${timeoutSeconds} s (AWS_INSTANCE_PENDING_TIMEOUT_SEC) and was terminated` },
  };
}

/** What the port reports about one instance; `resourceId` is the fleet or reservation it came from. */
export function providerMachine(instance: Instance, resourceId: string | null): ProviderMachine {
  const status = machineStatus(instance);
  const reason = instance.StateReason?.Message ?? instance.StateReason?.Code ?? (instance.StateTransitionReason || null);
  const tags = tagMap(instance.Tags);
  return {
    machineId: instance.InstanceId!,
    status,
    statusReason: status === 'failed' ? (reason ?? 'the launch failed') : reason,
    name: instance.PrivateDnsName || instance.PrivateIpAddress || null,
    resourceId,
    instanceType: instance.InstanceType || null,
    priceType: instance.InstanceLifecycle === 'spot' ? 'spot' : 'ondemand',
    cloudHostId: instance.Placement?.HostId ?? null,
    privateIpAddress: instance.PrivateIpAddress ?? null,
    publicIpAddress: instance.PublicIpAddress ?? null,
    instanceTags: tags,
    launchTime: instance.LaunchTime ?? null,
  };
}
