import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import {
  CancelSpotFleetRequestsCommand,
  CancelSpotInstanceRequestsCommand,
  CreateTagsCommand,
  DeleteFleetsCommand,
  DeleteLaunchTemplateCommand,
  TerminateInstancesCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { deleteGroup, GROUP_TAG, groupExists, groupName } from './auto-scaling';
import { AwsProviderError, ec2Call, ec2ErrorCode } from './errors';
import { cancelSpotFleets, deleteEc2Fleets, ec2Fleets, spotFleets } from './fleets';
import { chunks, findInstances, forKnownIds } from './instances';
import { deleteRequestLaunchTemplates, launchTemplateName } from './launch-template';
import { REQUEST_TAG, RETURN_TAG, tagMap } from './tags';

const ALIVE = ['pending', 'running', 'stopping', 'stopped'];

/**
 * Once none of an acquire request's instances is alive, releases what the adapter made for it: its
 * EC2 Fleets are deleted, Spot Fleets cancelled (their instances are already gone, and count as
 * delivered in a later describe), its Auto Scaling group deleted, and its launch template deleted. Returns the requests released. Best effort: the caller's terminations
 * stand even if this fails, and the next return naming the request tries again.
 */
export async function releaseFinishedRequests(client: EC2Client, requestIds: readonly string[], pageSize: number, autoScaling?: AutoScalingClient): Promise<string[]> {
  const released: string[] = [];
  for (const requestId of new Set(requestIds)) {
    const instances = await findInstances(client, [{ Name: `tag:${REQUEST_TAG}`, Values: [requestId] }, { Name: 'instance-state-name', Values: ALIVE }], pageSize);
    if (instances.length > 0) continue;
    const fleets = (await ec2Fleets(client, requestId, [], pageSize)).filter((f) => !f.ended).map((f) => f.fleetId);
    const spot = (await spotFleets(client, requestId, [], pageSize, true)).filter((f) => !f.ended).map((f) => f.fleetId);
    if (fleets.length > 0) await ec2Call('DeleteFleets', () => client.send(new DeleteFleetsCommand({ FleetIds: fleets, TerminateInstances: false })));
    if (spot.length > 0) await ec2Call('CancelSpotFleetRequests', () => client.send(new CancelSpotFleetRequestsCommand({ SpotFleetRequestIds: spot, TerminateInstances: false })));
    if (autoScaling !== undefined) await deleteGroup(autoScaling, requestId);
    try {
      await ec2Call('DeleteLaunchTemplate', () => client.send(new DeleteLaunchTemplateCommand({ LaunchTemplateName: launchTemplateName(requestId) })));
    } catch (error) {
      const code = ec2ErrorCode((error as { cause?: unknown }).cause);
      if (code !== 'InvalidLaunchTemplateName.NotFoundException' && code !== 'InvalidLaunchTemplateId.NotFound') throw error;
    }
    released.push(requestId);
  }
  return released;
}

/** Where {@link cancelRequest} looks, besides the request's tag. */
export interface CancelTarget {
  readonly requestId: string;
  /** Handles recorded for the request (fleet ids, Spot Fleet request ids, group names, reservation ids). */
  readonly resourceIds: readonly string[];
  readonly pageSize: number;
  readonly autoScaling: AutoScalingClient | undefined;
}

/**
 * Releases everything the adapter made for an acquire request, whatever was recorded of it: its
 * live instances are tagged as returned (so no reclaim notice reports them) and terminated, its
 * EC2 Fleets deleted and Spot Fleets cancelled with their instances, the spot requests of its
 * instances cancelled, its Auto Scaling group force-deleted, and every launch template tagged with
 * it (or of its name) deleted. Idempotent: what is already gone is skipped. Returns what it released.
 */
export async function cancelRequest(client: EC2Client, target: CancelTarget): Promise<string[]> {
  const { requestId, resourceIds, pageSize, autoScaling } = target;
  const released: string[] = [];
  const alive = await findInstances(client, [{ Name: `tag:${REQUEST_TAG}`, Values: [requestId] }, { Name: 'instance-state-name', Values: ALIVE }], pageSize);
  const live = alive.map((f) => f.instance).filter((i) => tagMap(i.Tags)[REQUEST_TAG] === requestId && ALIVE.includes(i.State?.Name ?? ''));
  const grouped = live.some((i) => tagMap(i.Tags)[GROUP_TAG] !== undefined) || resourceIds.includes(groupName(requestId));
  if (grouped && autoScaling === undefined) {
    throw new AwsProviderError('AWS_CONFIG_INVALID', `request ${requestId} has an Auto Scaling group, which cannot be deleted without an Auto Scaling client`);
  }
  const ids = live.map((i) => i.InstanceId!);
  await forKnownIds(ids, async (batch) => {
    await ec2Call('CreateTags', () => client.send(new CreateTagsCommand({ Resources: batch, Tags: [{ Key: RETURN_TAG, Value: requestId }] })));
  });

  const fleetIds = resourceIds.filter((id) => id.startsWith('fleet-'));
  const fleets = (await ec2Fleets(client, requestId, fleetIds, pageSize)).filter((f) => !f.ended).map((f) => f.fleetId);
  released.push(...(await deleteEc2Fleets(client, fleets)));
  const spotIds = resourceIds.filter((id) => id.startsWith('sfr-'));
  const spot = (await spotFleets(client, requestId, spotIds, pageSize, true)).filter((f) => !f.ended).map((f) => f.fleetId);
  released.push(...(await cancelSpotFleets(client, spot)));
  if (autoScaling !== undefined && (await groupExists(autoScaling, requestId))) {
    await deleteGroup(autoScaling, requestId);
    released.push(groupName(requestId));
  }

  const spotRequests = [...new Set(live.map((i) => i.SpotInstanceRequestId).filter((id): id is string => typeof id === 'string' && id !== ''))];
  for (const batch of chunks(spotRequests, 100)) {
    await ec2Call('CancelSpotInstanceRequests', () => client.send(new CancelSpotInstanceRequestsCommand({ SpotInstanceRequestIds: batch })));
    released.push(...batch);
  }
  // Read again: the fleets and the group took their instances down; what still runs (or was not
  // visible before) is terminated here.
  const still = (await findInstances(client, [{ Name: `tag:${REQUEST_TAG}`, Values: [requestId] }, { Name: 'instance-state-name', Values: ALIVE }], pageSize))
    .map((f) => f.instance)
    .filter((i) => tagMap(i.Tags)[REQUEST_TAG] === requestId && ALIVE.includes(i.State?.Name ?? ''))
    .map((i) => i.InstanceId!);
  const late = still.filter((id) => !ids.includes(id));
  await forKnownIds(late, async (batch) => {
    await ec2Call('CreateTags', () => client.send(new CreateTagsCommand({ Resources: batch, Tags: [{ Key: RETURN_TAG, Value: requestId }] })));
  });
  const unknown = await forKnownIds(still, async (batch) => {
    await ec2Call(`TerminateInstances for ${requestId}`, () => client.send(new TerminateInstancesCommand({ InstanceIds: batch })));
  });
  released.push(...new Set([...ids, ...still.filter((id) => !unknown.includes(id))]));
  released.push(...(await deleteRequestLaunchTemplates(client, requestId, pageSize)));
  return released;
}
