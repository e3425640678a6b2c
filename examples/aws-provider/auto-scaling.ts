import {
  CreateAutoScalingGroupCommand,
  DeleteAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  DetachInstancesCommand,
  type AutoScalingClient,
} from '@aws-sdk/client-auto-scaling';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { ec2Call, ec2ErrorCode } from './errors';
import { chunks } from './instances';
import { ensureLaunchTemplate, launchTemplateName } from './launch-template';
import type { Launched, LaunchOrder } from './launchers';
import { onDemandUnits } from './launch-settings';
import { UNITS_TAG } from './tags';

/** Tag EC2 Auto Scaling puts on the instances of a group. */
export const GROUP_TAG = 'aws:autoscaling:groupName';
/** EC2 Auto Scaling's limit of instance ids per DetachInstances call. */
const DETACH_PER_CALL = 20;

/** The Auto Scaling group the adapter makes for one request (same name as its launch template). */
export function groupName(requestId: string): string {
  return launchTemplateName(requestId);
}

/** True when the request's group exists (the name is derived from the request id, so this is the idempotency check). */
export async function groupExists(client: AutoScalingClient, requestId: string): Promise<boolean> {
  const answer = await ec2Call('DescribeAutoScalingGroups', () => client.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [groupName(requestId)] })));
  return (answer.AutoScalingGroups ?? []).length > 0;
}

/**
 * An Auto Scaling group of `count` units over the request's launch template, in the template's
 * subnets, min 0 and max = desired = count; a mixed-instances policy carries the types, weights and
 * the on-demand share. Tags propagate to instances.
 */
export async function createAutoScalingGroup(client: AutoScalingClient, ec2: EC2Client, order: LaunchOrder): Promise<Launched> {
  const { settings, requestId, count, tags } = order;
  const template = await ensureLaunchTemplate(ec2, settings, requestId, tags);
  const name = groupName(requestId);
  const types = Object.entries(settings.instanceTypes);
  const spec = { LaunchTemplateName: template, Version: '$Latest' };
  await ec2Call(`CreateAutoScalingGroup for ${requestId}`, () =>
    client.send(new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: name,
      MinSize: 0,
      MaxSize: count,
      DesiredCapacity: count,
      ...(settings.subnetIds.length === 0 ? {} : { VPCZoneIdentifier: settings.subnetIds.join(',') }),
      // Always a mixed-instances policy: the request's launch template names no instance type (the
      // overrides do, with their weights), as for the fleets.
      MixedInstancesPolicy: {
        LaunchTemplate: { LaunchTemplateSpecification: spec, Overrides: types.map(([type, weight]) => ({ InstanceType: type, WeightedCapacity: String(weight) })) },
        InstancesDistribution: {
          OnDemandBaseCapacity: 0,
          OnDemandPercentageAboveBaseCapacity: onDemandUnits(settings, 100),
          ...(settings.maxSpotPrice === null ? {} : { SpotMaxPrice: settings.maxSpotPrice }),
        },
      },
      Tags: Object.entries({ ...tags, [UNITS_TAG]: String(count) }).map(([Key, Value]) => ({ Key, Value, PropagateAtLaunch: true, ResourceId: name, ResourceType: 'auto-scaling-group' })),
    })),
  );
  return { resourceIds: [name], instanceIds: [] };
}

/**
 * Takes instances out of their Auto Scaling groups (lowering desired capacity) so a group does not
 * replace what is about to be terminated. Only current members are detached: `groups` maps a group
 * name (the instance's `aws:autoscaling:groupName` tag) to instance ids.
 */
export async function detachFromGroups(client: AutoScalingClient, groups: ReadonlyMap<string, string[]>): Promise<void> {
  if (groups.size === 0) return;
  const answer = await ec2Call('DescribeAutoScalingGroups', () => client.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [...groups.keys()] })));
  for (const group of answer.AutoScalingGroups ?? []) {
    const members = new Set((group.Instances ?? []).map((i) => i.InstanceId));
    const ids = (groups.get(group.AutoScalingGroupName ?? '') ?? []).filter((id) => members.has(id));
    for (const batch of chunks(ids, DETACH_PER_CALL)) {
      await ec2Call(`DetachInstances from ${group.AutoScalingGroupName}`, () =>
        client.send(new DetachInstancesCommand({ AutoScalingGroupName: group.AutoScalingGroupName, InstanceIds: batch, ShouldDecrementDesiredCapacity: true })),
      );
    }
  }
}

/** Deletes the request's group; a group that does not exist is fine. */
export async function deleteGroup(client: AutoScalingClient, requestId: string): Promise<void> {
  try {
    await ec2Call('DeleteAutoScalingGroup', () => client.send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: groupName(requestId), ForceDelete: true })));
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    if (!(ec2ErrorCode(cause) === 'ValidationError' && /not found/i.test((cause as Error).message))) throw error;
  }
}
