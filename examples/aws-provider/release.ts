import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CancelSpotFleetRequestsCommand, DeleteFleetsCommand, DeleteLaunchTemplateCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { deleteGroup } from './auto-scaling';
import { ec2Call, ec2ErrorCode } from './errors';
import { ec2Fleets, spotFleets } from './fleets';
import { findInstances } from './instances';
import { launchTemplateName } from './launch-template';
import { REQUEST_TAG } from './tags';

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
