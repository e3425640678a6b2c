import {
  CancelSpotFleetRequestsCommand,
  DeleteFleetsCommand,
  DescribeFleetInstancesCommand,
  DescribeFleetsCommand,
  DescribeSpotFleetInstancesCommand,
  DescribeSpotFleetRequestsCommand,
  type EC2Client,
  type FleetLaunchTemplateConfigRequest,
  type FleetLaunchTemplateOverridesRequest,
} from '@aws-sdk/client-ec2';
import type { ProviderMachine } from 'hostfactory-kernel';
import { AwsProviderError, ec2Call } from './errors';
import { REQUEST_TAG, tagMap, UNITS_TAG } from './tags';

/** A fleet of one request, as EC2 reports it now. */
export interface FleetView {
  readonly fleetId: string;
  /** Units the request asked for (the fleet's `hostfactory:units` tag, else its target capacity). */
  readonly units: number;
  /** Units delivered so far. */
  readonly fulfilled: number;
  /** True once the fleet will launch nothing more: instant fleets, or a fleet in error, cancelled, expired or deleted. */
  readonly done: boolean;
  readonly error: string | null;
  readonly instanceIds: string[];
  /** Instance type → units, from the fleet's overrides. */
  readonly weights: Readonly<Record<string, number>>;
  /** Deleted or cancelled (by anyone). */
  readonly ended: boolean;
  /** The fleet's tags (the request's, plus the adapter's: units, top-up policy and attempt). */
  readonly tags: Readonly<Record<string, string>>;
  /** Its launch template and overrides, in the shape CreateFleet takes (a top-up fleet copies them). */
  readonly launchConfigs: readonly FleetLaunchTemplateConfigRequest[];
  /** True when part of its target was spot. */
  readonly spot: boolean;
}

const FINISHED_STATES = new Set(['deleted', 'deleted_running', 'deleted_terminating', 'failed', 'cancelled', 'cancelled_running', 'cancelled_terminating', 'expired']);

function pages<T>(fetch: (token: string | undefined) => Promise<{ items: T[]; next: string | undefined }>): Promise<T[]> {
  return (async () => {
    const all: T[] = [];
    let token: string | undefined;
    do {
      const page = await fetch(token);
      all.push(...page.items);
      token = page.next || undefined;
    } while (token !== undefined);
    return all;
  })();
}

/** EC2 Fleets tagged with the request, plus `fleetIds` (ids recorded earlier). */
export async function ec2Fleets(client: EC2Client, requestId: string, fleetIds: readonly string[], pageSize: number): Promise<FleetView[]> {
  // The tag filter is checked again here: an emulator that ignores it must not hand us other requests' fleets.
  const byTag = (await pages((token) =>
    ec2Call('DescribeFleets', () => client.send(new DescribeFleetsCommand({ Filters: [{ Name: `tag:${REQUEST_TAG}`, Values: [requestId] }], MaxResults: pageSize, NextToken: token })))
      .then((a) => ({ items: a.Fleets ?? [], next: a.NextToken })),
  )).filter((fleet) => tagMap(fleet.Tags)[REQUEST_TAG] === requestId);
  const missing = fleetIds.filter((id) => !byTag.some((f) => f.FleetId === id));
  const named = missing.length === 0 ? [] : (await ec2Call('DescribeFleets', () => client.send(new DescribeFleetsCommand({ FleetIds: missing })))).Fleets ?? [];
  const views: FleetView[] = [];
  for (const fleet of [...byTag, ...named]) {
    const fleetId = fleet.FleetId!;
    const instant = fleet.Type === 'instant';
    const instanceIds = instant
      ? (fleet.Instances ?? []).flatMap((i) => i.InstanceIds ?? [])
      : (await pages((token) =>
          ec2Call('DescribeFleetInstances', () => client.send(new DescribeFleetInstancesCommand({ FleetId: fleetId, MaxResults: pageSize, NextToken: token })))
            .then((a) => ({ items: a.ActiveInstances ?? [], next: a.NextToken })),
        )).map((i) => i.InstanceId!);
    const units = Number(tagMap(fleet.Tags)[UNITS_TAG] ?? fleet.TargetCapacitySpecification?.TotalTargetCapacity ?? 0);
    const error = (fleet.Errors ?? []).map((e) => `${e.ErrorCode}: ${e.ErrorMessage}`)[0] ?? null;
    views.push({
      fleetId,
      units,
      fulfilled: fleet.FulfilledCapacity ?? instanceIds.length,
      done: instant || fleet.ActivityStatus === 'error' || FINISHED_STATES.has(fleet.FleetState ?? ''),
      error,
      instanceIds,
      weights: weightsOf((fleet.LaunchTemplateConfigs ?? []).flatMap((c) => c.Overrides ?? [])),
      ended: /^(deleted|cancelled)/.test(fleet.FleetState ?? ''),
      tags: tagMap(fleet.Tags),
      launchConfigs: launchConfigs(fleet.LaunchTemplateConfigs),
      spot: (fleet.TargetCapacitySpecification?.SpotTargetCapacity ?? 0) > 0 || fleet.TargetCapacitySpecification?.DefaultTargetCapacityType === 'spot',
    });
  }
  return views;
}

/** Spot Fleet requests named in `fleetIds`, or (with `scan`) every one tagged with the request. */
export async function spotFleets(client: EC2Client, requestId: string, fleetIds: readonly string[], pageSize: number, scan: boolean): Promise<FleetView[]> {
  if (fleetIds.length === 0 && !scan) return [];
  const configs = await pages((token) =>
    ec2Call('DescribeSpotFleetRequests', () =>
      client.send(new DescribeSpotFleetRequestsCommand(fleetIds.length > 0 && !scan ? { SpotFleetRequestIds: [...fleetIds] } : { MaxResults: pageSize, NextToken: token })),
    ).then((a) => ({ items: a.SpotFleetRequestConfigs ?? [], next: a.NextToken })),
  );
  const views: FleetView[] = [];
  for (const config of configs) {
    const fleetId = config.SpotFleetRequestId!;
    const tags = tagMap(config.Tags);
    if (!fleetIds.includes(fleetId) && tags[REQUEST_TAG] !== requestId) continue;
    const instanceIds = (await pages((token) =>
      ec2Call('DescribeSpotFleetInstances', () => client.send(new DescribeSpotFleetInstancesCommand({ SpotFleetRequestId: fleetId, MaxResults: pageSize, NextToken: token })))
        .then((a) => ({ items: a.ActiveInstances ?? [], next: a.NextToken })),
    )).map((i) => i.InstanceId!);
    const state = config.SpotFleetRequestState ?? '';
    views.push({
      fleetId,
      units: Number(tags[UNITS_TAG] ?? config.SpotFleetRequestConfig?.TargetCapacity ?? 0),
      fulfilled: config.SpotFleetRequestConfig?.FulfilledCapacity ?? instanceIds.length,
      done: config.ActivityStatus === 'error' || FINISHED_STATES.has(state) || state.startsWith('cancelled'),
      error: config.ActivityStatus === 'error' ? `the Spot Fleet ${fleetId} reports an error (see DescribeSpotFleetRequestHistory)` : null,
      instanceIds,
      weights: weightsOf((config.SpotFleetRequestConfig?.LaunchTemplateConfigs ?? []).flatMap((c) => c.Overrides ?? [])),
      ended: state.startsWith('cancelled'),
      tags,
      launchConfigs: launchConfigs(config.SpotFleetRequestConfig?.LaunchTemplateConfigs),
      spot: (config.SpotFleetRequestConfig?.TargetCapacity ?? 0) > (config.SpotFleetRequestConfig?.OnDemandTargetCapacity ?? 0),
    });
  }
  return views;
}

type DescribedConfig = {
  LaunchTemplateSpecification?: { LaunchTemplateId?: string; LaunchTemplateName?: string; Version?: string };
  Overrides?: { InstanceType?: string; SubnetId?: string; WeightedCapacity?: number; AvailabilityZone?: string; MaxPrice?: string; SpotPrice?: string; Priority?: number }[];
};

/** A described fleet's launch configs (EC2 Fleet's or Spot Fleet's shape) as CreateFleet takes them. */
function launchConfigs(configs: readonly DescribedConfig[] | undefined): FleetLaunchTemplateConfigRequest[] {
  return (configs ?? []).map((c) => ({
    ...(c.LaunchTemplateSpecification === undefined ? {} : { LaunchTemplateSpecification: { ...c.LaunchTemplateSpecification } }),
    Overrides: (c.Overrides ?? []).map(
      (o): FleetLaunchTemplateOverridesRequest => ({
        ...(o.InstanceType === undefined ? {} : { InstanceType: o.InstanceType as 'm5.large' }),
        ...(o.SubnetId === undefined ? {} : { SubnetId: o.SubnetId }),
        ...(o.WeightedCapacity === undefined ? {} : { WeightedCapacity: o.WeightedCapacity }),
        ...(o.AvailabilityZone === undefined ? {} : { AvailabilityZone: o.AvailabilityZone }),
        ...((o.MaxPrice ?? o.SpotPrice) === undefined ? {} : { MaxPrice: o.MaxPrice ?? o.SpotPrice }),
        ...(o.Priority === undefined ? {} : { Priority: o.Priority }),
      }),
    ),
  }));
}

function weightsOf(overrides: readonly { InstanceType?: string; WeightedCapacity?: number }[]): Record<string, number> {
  const weights: Record<string, number> = {};
  for (const o of overrides) if (o.InstanceType !== undefined) weights[o.InstanceType] = o.WeightedCapacity ?? 1;
  return weights;
}

/**
 * The slots a finished fleet will never fill, as `failed` machines (`<fleet id>-unfulfilled-<n>`,
 * one per missing unit), so the request settles as `partial` or `failed` instead of waiting for its
 * deadline. `launchedTypes` are the instance types of every instance the fleet ever launched (any
 * state): a fleet whose instances were later terminated still delivered them.
 */
export function shortfall(fleet: FleetView, launchedTypes: readonly string[]): ProviderMachine[] {
  const delivered = deliveredUnits(fleet, launchedTypes);
  if (!fleet.done || delivered >= fleet.units) return [];
  const reason = `${fleet.fleetId} delivered ${delivered} of ${fleet.units} units and will launch no more${fleet.error === null ? '' : ` (${fleet.error})`}`;
  return unfulfilledSlots(fleet.fleetId, fleet.units - delivered, reason);
}

/** Units a fleet delivered: what EC2 reports, or what its launched instances weigh, whichever is more. */
export function deliveredUnits(fleet: FleetView, launchedTypes: readonly string[]): number {
  return Math.max(fleet.fulfilled, launchedTypes.reduce((sum, type) => sum + (fleet.weights[type] ?? 1), 0));
}

/** `missing` failed machines standing for units `fleetId` will never deliver. */
export function unfulfilledSlots(fleetId: string, missing: number, reason: string): ProviderMachine[] {
  return Array.from({ length: missing }, (_, i) => ({
    machineId: `${fleetId}-unfulfilled-${i + 1}`,
    status: 'failed' as const,
    statusReason: reason,
    resourceId: fleetId,
  }));
}

/** EC2 error codes of a fleet that is already gone or already being deleted. */
const FLEET_GONE = new Set(['fleetIdDoesNotExist', 'fleetNotInDeletableState', 'InvalidFleetId.NotFound', 'InvalidSpotFleetRequestId.NotFound', 'fleetRequestIdDoesNotExist', 'fleetRequestNotInCancellableState']);

/**
 * Deletes EC2 Fleets with their instances (`TerminateInstances`: a request-type fleet stops
 * launching and its instances go; an instant fleet can only be deleted that way). Fleets already
 * deleted or unknown are fine; any other refusal throws. Returns the fleets EC2 accepted.
 */
export async function deleteEc2Fleets(client: EC2Client, fleetIds: readonly string[]): Promise<string[]> {
  if (fleetIds.length === 0) return [];
  const answer = await ec2Call('DeleteFleets', () => client.send(new DeleteFleetsCommand({ FleetIds: [...fleetIds], TerminateInstances: true })));
  const refused = (answer.UnsuccessfulFleetDeletions ?? []).filter((u) => !FLEET_GONE.has(u.Error?.Code ?? ''));
  if (refused.length > 0) {
    throw new AwsProviderError('AWS_CALL_FAILED', `DeleteFleets refused ${refused.map((u) => `${u.FleetId}: ${u.Error?.Code}: ${u.Error?.Message}`).join('; ')}`);
  }
  return (answer.SuccessfulFleetDeletions ?? []).map((s) => s.FleetId!).filter(Boolean);
}

/** Cancels Spot Fleet requests with their instances; like {@link deleteEc2Fleets} for Spot Fleets. */
export async function cancelSpotFleets(client: EC2Client, fleetIds: readonly string[]): Promise<string[]> {
  if (fleetIds.length === 0) return [];
  const answer = await ec2Call('CancelSpotFleetRequests', () => client.send(new CancelSpotFleetRequestsCommand({ SpotFleetRequestIds: [...fleetIds], TerminateInstances: true })));
  const refused = (answer.UnsuccessfulFleetRequests ?? []).filter((u) => !FLEET_GONE.has(u.Error?.Code ?? ''));
  if (refused.length > 0) {
    throw new AwsProviderError('AWS_CALL_FAILED', `CancelSpotFleetRequests refused ${refused.map((u) => `${u.SpotFleetRequestId}: ${u.Error?.Code}: ${u.Error?.Message}`).join('; ')}`);
  }
  return (answer.SuccessfulFleetRequests ?? []).map((s) => s.SpotFleetRequestId!).filter(Boolean);
}
