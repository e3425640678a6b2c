import {
  CreateFleetCommand,
  RequestSpotFleetCommand,
  RunInstancesCommand,
  type EC2Client,
  type FleetLaunchTemplateOverridesRequest,
  type LaunchTemplateOverrides,
} from '@aws-sdk/client-ec2';
import { AwsProviderError, ec2Call, ec2ErrorCode } from './errors';
import { ensureLaunchTemplate, rootVolume } from './launch-template';
import { onDemandUnits, type LaunchSettings } from './launch-settings';
import { clientToken, tagList, UNITS_TAG } from './tags';
import { topUpPolicyTags } from './top-up';

/** What one launch call started: the resource to describe later and instance ids already known. */
export interface Launched {
  readonly resourceIds: string[];
  readonly instanceIds: string[];
}

/** One request's launch: settings, request id, units, and the tags for every instance and fleet. */
export interface LaunchOrder {
  readonly settings: LaunchSettings;
  readonly requestId: string;
  readonly count: number;
  readonly tags: Record<string, string>;
}

/** EC2 codes after which the next subnet is worth a try. */
const TRY_NEXT_SUBNET = new Set(['InsufficientInstanceCapacity', 'Unsupported', 'InsufficientFreeAddressesInSubnet']);

/**
 * RunInstances, all or nothing (`MinCount` = `MaxCount`): the subnets in order, moving on when one
 * has no capacity. The client token is per request and subnet, so a retried call is one launch.
 */
export async function runInstances(client: EC2Client, order: LaunchOrder): Promise<Launched> {
  const { settings, requestId, count, tags } = order;
  const instanceType = Object.keys(settings.instanceTypes)[0]!;
  const subnets: (string | undefined)[] = settings.subnetIds.length > 0 ? [...settings.subnetIds] : [undefined];
  const spot = settings.priceType !== 'ondemand';
  let last: unknown;
  for (const subnet of subnets) {
    try {
      const answer = await ec2Call(`RunInstances for ${requestId}`, async () =>
        client.send(new RunInstancesCommand({
          MinCount: count,
          MaxCount: count,
          InstanceType: instanceType as 'm5.large',
          ...(settings.launchTemplate === null ? {} : { LaunchTemplate: { LaunchTemplateId: settings.launchTemplate.id, Version: settings.launchTemplate.version } }),
          ...(settings.imageId === null ? {} : { ImageId: settings.imageId }),
          ...(subnet === undefined ? {} : { SubnetId: subnet }),
          ...(settings.securityGroupIds.length === 0 ? {} : { SecurityGroupIds: [...settings.securityGroupIds] }),
          ...(settings.keyName === null ? {} : { KeyName: settings.keyName }),
          ...(settings.userData === null ? {} : { UserData: settings.userData }),
          ...(await rootVolume(client, settings)),
          ...(spot ? { InstanceMarketOptions: { MarketType: 'spot', SpotOptions: { SpotInstanceType: 'one-time', ...(settings.maxSpotPrice === null ? {} : { MaxPrice: settings.maxSpotPrice }) } } } : {}),
          ClientToken: clientToken(requestId, `RunInstances:${subnet ?? ''}`),
          TagSpecifications: [{ ResourceType: 'instance', Tags: tagList(tags) }, { ResourceType: 'volume', Tags: tagList(tags) }],
        })),
      );
      const ids = (answer.Instances ?? []).map((i) => i.InstanceId!).filter(Boolean);
      return { resourceIds: answer.ReservationId === undefined ? [] : [answer.ReservationId], instanceIds: ids };
    } catch (error) {
      last = error;
      if (!TRY_NEXT_SUBNET.has(ec2ErrorCode((error as { cause?: unknown }).cause) ?? '')) throw error;
    }
  }
  throw last;
}

/** Instance type × subnet overrides with each type's weight (and the spot price cap). */
function overrides(settings: LaunchSettings): (FleetLaunchTemplateOverridesRequest & LaunchTemplateOverrides)[] {
  const subnets: (string | undefined)[] = settings.subnetIds.length > 0 ? [...settings.subnetIds] : [undefined];
  return Object.entries(settings.instanceTypes).flatMap(([type, weight]) =>
    subnets.map((subnet) => ({
      InstanceType: type as 'm5.large',
      WeightedCapacity: weight,
      ...(subnet === undefined ? {} : { SubnetId: subnet }),
      ...(settings.maxSpotPrice === null ? {} : { MaxPrice: settings.maxSpotPrice, SpotPrice: settings.maxSpotPrice }),
    })),
  );
}

const FLEET_STRATEGIES: Record<string, 'lowest-price' | 'diversified' | 'capacity-optimized' | 'capacity-optimized-prioritized'> = {
  lowestPrice: 'lowest-price',
  diversified: 'diversified',
  capacityOptimized: 'capacity-optimized',
  capacityOptimizedPrioritized: 'capacity-optimized-prioritized',
};

/** CreateFleet (`instant` or `request`) over the request's launch template; the fleet is tagged with the request and its units. */
export async function createEc2Fleet(client: EC2Client, order: LaunchOrder): Promise<Launched> {
  const { settings, requestId, count, tags } = order;
  const template = await ensureLaunchTemplate(client, settings, requestId, tags);
  const onDemand = onDemandUnits(settings, count);
  const answer = await ec2Call(`CreateFleet for ${requestId}`, () =>
    client.send(new CreateFleetCommand({
      Type: settings.fleetType,
      LaunchTemplateConfigs: [{ LaunchTemplateSpecification: { LaunchTemplateName: template, Version: '$Latest' }, Overrides: overrides(settings) }],
      TargetCapacitySpecification: {
        TotalTargetCapacity: count,
        OnDemandTargetCapacity: onDemand,
        SpotTargetCapacity: count - onDemand,
        DefaultTargetCapacityType: onDemand === count ? 'on-demand' : 'spot',
      },
      SpotOptions: { AllocationStrategy: FLEET_STRATEGIES[settings.allocationStrategy] ?? 'capacity-optimized' },
      ...(settings.fleetType === 'request' ? { ExcessCapacityTerminationPolicy: 'no-termination', ReplaceUnhealthyInstances: false } : {}),
      ClientToken: clientToken(requestId, 'CreateFleet'),
      TagSpecifications: [{ ResourceType: 'fleet', Tags: tagList({ ...tags, [UNITS_TAG]: String(count), ...topUpPolicyTags(settings.topUpAttempts, settings.topUpOnDemand) }) }],
    })),
  );
  if (answer.FleetId === undefined) {
    const reason = answer.Errors?.map((e) => `${e.ErrorCode}: ${e.ErrorMessage}`).join('; ') ?? 'no fleet id returned';
    throw new AwsProviderError('AWS_CALL_FAILED', `CreateFleet for ${requestId} created no fleet: ${reason}`);
  }
  return { resourceIds: [answer.FleetId], instanceIds: (answer.Instances ?? []).flatMap((i) => i.InstanceIds ?? []) };
}

/** RequestSpotFleet (one-time `request` type) over the request's launch template, tagged like an EC2 Fleet. */
export async function requestSpotFleet(client: EC2Client, order: LaunchOrder): Promise<Launched> {
  const { settings, requestId, count, tags } = order;
  const template = await ensureLaunchTemplate(client, settings, requestId, tags);
  const answer = await ec2Call(`RequestSpotFleet for ${requestId}`, () =>
    client.send(new RequestSpotFleetCommand({
      SpotFleetRequestConfig: {
        IamFleetRole: settings.fleetRole!,
        TargetCapacity: count,
        OnDemandTargetCapacity: settings.priceType === 'heterogeneous' ? onDemandUnits(settings, count) : 0,
        AllocationStrategy: settings.allocationStrategy as 'lowestPrice',
        Type: 'request',
        ...(settings.maxSpotPrice === null ? {} : { SpotPrice: settings.maxSpotPrice }),
        LaunchTemplateConfigs: [{ LaunchTemplateSpecification: { LaunchTemplateName: template, Version: '$Latest' }, Overrides: overrides(settings) }],
        ClientToken: clientToken(requestId, 'RequestSpotFleet'),
        TagSpecifications: [{ ResourceType: 'spot-fleet-request', Tags: tagList({ ...tags, [UNITS_TAG]: String(count), ...topUpPolicyTags(settings.topUpAttempts, settings.topUpOnDemand) }) }],
      },
    })),
  );
  return { resourceIds: [answer.SpotFleetRequestId!], instanceIds: [] };
}
