import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CreateTagsCommand, DescribeSpotInstanceRequestsCommand, TerminateInstancesCommand, type EC2Client, type Instance } from '@aws-sdk/client-ec2';
import type {
  CancelProvisionInput,
  CancelProvisionResult,
  DescribeInput,
  ProviderMachine,
  ProviderPort,
  ProvisionInput,
  ProvisionResult,
  ReclaimNotice,
  TerminateInput,
  TerminateResult,
  TemplateSnapshot,
} from 'hostfactory-kernel';
import type { KernelError } from 'hostfactory-kernel';
import { AwsProviderError, ec2Call } from './errors';
import { createAutoScalingGroup, detachFromGroups, GROUP_TAG, groupExists, groupName } from './auto-scaling';
import { ec2Fleets, shortfall, spotFleets, type FleetView } from './fleets';
import { chunks, describeInstanceIds, findInstances, forKnownIds, IDS_PER_CALL, type FoundInstance } from './instances';
import { createEc2Fleet, requestSpotFleet, runInstances, type Launched, type LaunchOrder } from './launchers';
import { launchSettings } from './launch-settings';
import { launchFailed, pendingTooLong, providerMachine, stuckLaunch } from './machine-facts';
import { cancelRequest, releaseFinishedRequests } from './release';
import { REQUEST_TAG, requestTags, RETURN_TAG, tagMap } from './tags';
import { launchTopUp, requestShortfall, TOPUP_ATTEMPTS_TAG, TOPUP_TAG, topUpDue, topUpState, type TopUpState } from './top-up';

/** Options of {@link AwsEc2Provider}. */
export interface AwsEc2ProviderOptions {
  /** `MaxResults` of paginated describe calls (default 1000). */
  readonly pageSize?: number;
  /** The Auto Scaling client, for templates with `providerApi: "ASG"` (and detaching their instances on return). */
  readonly autoScaling?: AutoScalingClient;
  /** An instance still `pending` this many seconds after launch is terminated and reported failed (IBM's `AWS_INSTANCE_PENDING_TIMEOUT_SEC`). Default: never. */
  readonly pendingTimeoutSeconds?: number;
  /** The clock `pendingTimeoutSeconds` is measured on, in epoch milliseconds. Default `Date.now`. */
  readonly now?: () => number;
  /**
   * The library's `KernelError` (from `hostfactory-kernel`), for `checkTemplate`'s refusals, which the
   * library reports per template. Passed in rather than imported: this module is loaded on demand by
   * the Symphony provider, and a library value imported here would make its bundle initialise the
   * library lazily (examples/symphony-provider/bundle.test.ts). Without it, `checkTemplate` checks
   * nothing (a bad template then fails at its first request, with the same code).
   */
  readonly kernelError?: typeof KernelError;
}

/** Seconds between a spot interruption notice and the interruption (EC2's two-minute warning). */
export const SPOT_NOTICE_SECONDS = 120;

/** Tag EC2 puts on Spot Fleet instances: the fleet that launched them. */
const SPOT_FLEET_TAG = 'aws:ec2spot:fleet-request-id';
const STOPPED_STATES = ['stopping', 'stopped', 'shutting-down', 'terminated'];

/**
 * The host factory's {@link ProviderPort} on EC2: RunInstances, EC2 Fleet (`instant`/`request`),
 * Spot Fleet and Auto Scaling groups per the template's `providerApi`. Every instance and fleet carries the request's tags,
 * so `describe` finds a request's machines from EC2 alone and a repeated `provision` launches nothing.
 */
export class AwsEc2Provider implements ProviderPort {
  private readonly pageSize: number;
  private readonly autoScaling: AutoScalingClient | undefined;
  private readonly pendingTimeoutSeconds: number | undefined;
  private readonly now: () => number;
  private readonly kernelError: typeof KernelError | undefined;

  constructor(readonly client: EC2Client, options: AwsEc2ProviderOptions = {}) {
    this.pageSize = options.pageSize ?? 1000;
    this.autoScaling = options.autoScaling;
    this.pendingTimeoutSeconds = options.pendingTimeoutSeconds;
    this.now = options.now ?? Date.now;
    this.kernelError = options.kernelError;
  }

  /**
   * Refuses at import a template this adapter could never launch (no image, an unknown
   * providerApi, a bad top-up setting, ...): `AWS_TEMPLATE_INVALID` naming the template and the key.
   */
  checkTemplate(template: TemplateSnapshot): void {
    const KernelError = this.kernelError;
    if (KernelError === undefined) return;
    try {
      launchSettings(template);
    } catch (error) {
      if (!(error instanceof AwsProviderError)) throw error;
      throw new KernelError(error.code, error.message, { details: { templateId: template.templateId, key: error.field ?? 'template' } });
    }
  }

  /** Launches the request's units, unless EC2 already has instances or a fleet tagged with the request (then reports those). */
  async provision(input: ProvisionInput): Promise<ProvisionResult> {
    const settings = launchSettings(input.template, input);
    if (settings.api === 'ASG' && this.autoScaling === undefined) {
      throw new AwsProviderError('AWS_CONFIG_INVALID', `template ${input.template.templateId} uses providerApi ASG, but the provider was made without an Auto Scaling client`, 'providerApi');
    }
    const existing = await this.existing(input.requestId, settings.api);
    if (existing !== undefined) return existing;
    const order: LaunchOrder = {
      settings,
      requestId: input.requestId,
      count: input.count,
      tags: requestTags(input.requestId, input.template.templateId, input.template.instanceTags, input.tags, input.rcAccount),
    };
    const launched: Launched =
      settings.api === 'RunInstances' ? await runInstances(this.client, order)
        : settings.api === 'EC2Fleet' ? await createEc2Fleet(this.client, order)
          : settings.api === 'SpotFleet' ? await requestSpotFleet(this.client, order)
            : await createAutoScalingGroup(this.autoScaling!, this.client, order);
    const resourceId = launched.resourceIds[0] ?? null;
    const found = await describeInstanceIds(this.client, launched.instanceIds);
    return { resourceIds: launched.resourceIds, machines: found.map((f) => providerMachine(f.instance, resourceId)) };
  }

  /** What a repeated provision answers: the request's fleets or instances already in EC2, if any. */
  private async existing(requestId: string, api: string): Promise<ProvisionResult | undefined> {
    const fleets = api === 'EC2Fleet' ? await ec2Fleets(this.client, requestId, [], this.pageSize)
      : api === 'SpotFleet' ? await spotFleets(this.client, requestId, [], this.pageSize, true) : [];
    const instances = await this.tagged(requestId);
    const group = api === 'ASG' && (await groupExists(this.autoScaling!, requestId)) ? [groupName(requestId)] : [];
    if (fleets.length === 0 && instances.length === 0 && group.length === 0) return undefined;
    // The first fleet only, as the first provision answered: top-up fleets are found by describe.
    const resourceIds = group.length > 0 ? group : fleets.length > 0 ? fleets.filter((f) => f.tags[TOPUP_TAG] === undefined).map((f) => f.fleetId) : [...new Set(instances.map((f) => f.reservationId).filter((id): id is string => id !== null))];
    return { resourceIds, machines: this.machines(instances, fleets).reports };
  }

  /**
   * Every machine of the request, from EC2 alone when `resourceIds`/`machineIds` are empty: instances
   * tagged with the request, those of its fleets, and those named; plus a `failed` slot for each
   * unit a finished fleet will never deliver.
   */
  async describe(input: DescribeInput): Promise<ProviderMachine[]> {
    let view = this.machines(...(await this.look(input)));
    // A short request whose template allows it gets a top-up fleet; its machines show from now on.
    if (view.topUp !== undefined && topUpDue(view.topUp)) {
      await launchTopUp(this.client, input.requestId, view.topUp);
      view = this.machines(...(await this.look(input)));
    }
    return view.reports;
  }

  /** The request's instances (tagged, of its fleets, and named) and its fleets, top-ups included. */
  private async look(input: DescribeInput): Promise<[FoundInstance[], FleetView[]]> {
    const fleetIds = input.resourceIds.filter((id) => id.startsWith('fleet-'));
    const instances = await this.tagged(input.requestId);
    const spotIds = new Set([
      ...input.resourceIds.filter((id) => id.startsWith('sfr-')),
      ...instances.map((f) => tagMap(f.instance.Tags)[SPOT_FLEET_TAG]).filter((id): id is string => id !== undefined),
    ]);
    const spot = await spotFleets(this.client, input.requestId, [...spotIds], this.pageSize, false);
    // A Spot Fleet allowed top-ups has EC2 Fleets (the top-ups) to find by tag as well.
    const ec2 = fleetIds.length > 0 || input.resourceIds.length === 0 || spot.some((f) => f.tags[TOPUP_ATTEMPTS_TAG] !== undefined);
    const fleets = [...(ec2 ? await ec2Fleets(this.client, input.requestId, fleetIds, this.pageSize) : []), ...spot];
    const known = new Set(instances.map((f) => f.instance.InstanceId));
    const named = [...input.machineIds, ...fleets.flatMap((f) => f.instanceIds)].filter((id) => id.startsWith('i-') && !known.has(id));
    const more = await describeInstanceIds(this.client, [...new Set(named)]);
    return [await this.endStuckLaunches([...instances, ...more]), fleets];
  }

  /**
   * Terminates the instances pending longer than `pendingTimeoutSeconds` (as IBM's plug-in does
   * with AWS_INSTANCE_PENDING_TIMEOUT_SEC) and marks them so they are reported failed. A failed
   * TerminateInstances fails the describe: the next one tries again.
   */
  private async endStuckLaunches(found: FoundInstance[]): Promise<FoundInstance[]> {
    const timeout = this.pendingTimeoutSeconds;
    if (timeout === undefined) return found;
    const stuck = found.filter(({ instance }) => pendingTooLong(instance, timeout, this.now())).map(({ instance }) => instance.InstanceId!);
    for (const batch of chunks(stuck, IDS_PER_CALL)) {
      await forKnownIds(batch, async (ids) => {
        await ec2Call('TerminateInstances (pending too long)', () => this.client.send(new TerminateInstancesCommand({ InstanceIds: ids })));
      });
    }
    return found.map((f) => (stuck.includes(f.instance.InstanceId!) ? { ...f, instance: stuckLaunch(f.instance, timeout) } : f));
  }

  /**
   * Reports for the instances and the unfilled slots: each fleet's own, or, when the template
   * allows top-ups, the request's once no attempt is left. With a single fleet every instance of
   * the request is that fleet's, terminated ones included.
   */
  private machines(instances: readonly FoundInstance[], fleets: readonly FleetView[]): { reports: ProviderMachine[]; topUp: TopUpState | undefined } {
    const only = fleets.length === 1 ? fleets[0] : undefined;
    const fleetOf = (id: string | undefined): string | undefined => only?.fleetId ?? fleets.find((f) => f.instanceIds.includes(id ?? ''))?.fleetId;
    const seen = new Map<string, ProviderMachine>();
    for (const { instance, reservationId } of instances) {
      seen.set(instance.InstanceId!, providerMachine(instance, fleetOf(instance.InstanceId) ?? tagMap(instance.Tags)[SPOT_FLEET_TAG] ?? reservationId));
    }
    const launched = (fleetId: string): string[] => [...seen.values()].filter((m) => m.resourceId === fleetId && m.status !== 'failed').map((m) => m.instanceType ?? '');
    const topUp = topUpState(fleets, (fleet) => launched(fleet.fleetId));
    const slots = topUp === undefined ? fleets.flatMap((fleet) => shortfall(fleet, launched(fleet.fleetId))) : requestShortfall(topUp, fleets);
    return { reports: [...seen.values(), ...slots], topUp };
  }

  private tagged(requestId: string): Promise<FoundInstance[]> {
    return findInstances(this.client, [{ Name: `tag:${REQUEST_TAG}`, Values: [requestId] }], this.pageSize);
  }

  /**
   * Tags the instances with the return request, then terminates them in batches of 1000. Ids EC2
   * does not know (already gone) and unfilled fleet slots are accepted; a batch EC2 refuses fails
   * with EC2's message. Then releases the fleets and launch template of every request left with no live instance.
   */
  async terminate(input: TerminateInput): Promise<TerminateResult> {
    const instances = input.machineIds.filter((id) => id.startsWith('i-'));
    const accepted = input.machineIds.filter((id) => !id.startsWith('i-'));
    const failed: { machineId: string; message: string }[] = [];
    const owners: string[] = [];
    for (const batch of chunks(instances, IDS_PER_CALL)) {
      try {
        const found = await describeInstanceIds(this.client, batch);
        owners.push(...found.map((f) => tagMap(f.instance.Tags)[REQUEST_TAG]).filter((id): id is string => id !== undefined));
        await this.detach(found);
        await forKnownIds(batch, async (ids) => {
          await ec2Call('CreateTags', () => this.client.send(new CreateTagsCommand({ Resources: ids, Tags: [{ Key: RETURN_TAG, Value: input.requestId }] })));
        });
        await forKnownIds(batch, async (ids) => {
          await ec2Call(`TerminateInstances for ${input.requestId}`, () => this.client.send(new TerminateInstancesCommand({ InstanceIds: ids })));
        });
        accepted.push(...batch);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        failed.push(...batch.map((machineId) => ({ machineId, message })));
      }
    }
    try {
      await releaseFinishedRequests(this.client, owners, this.pageSize, this.autoScaling);
    } catch {
      // Best effort (see releaseFinishedRequests): the terminations above stand either way.
    }
    return { accepted, failed };
  }

  /**
   * Releases everything provision made for the request, found by its tag as well as by
   * `resourceIds`: request-type EC2 Fleets deleted and Spot Fleets cancelled with their instances,
   * its Auto Scaling group, the spot requests and instances tagged with it, and its launch
   * templates (also one left by a provision killed before its fleet existed). Idempotent; a request
   * EC2 knows nothing of releases nothing. See docs/aws-provider.md for where moto differs.
   */
  async cancelProvision(input: CancelProvisionInput): Promise<CancelProvisionResult> {
    return { released: await cancelRequest(this.client, { requestId: input.requestId, resourceIds: input.resourceIds, pageSize: this.pageSize, autoScaling: this.autoScaling }) };
  }

  /** Detaches instances that belong to an Auto Scaling group, so it does not replace them. */
  private async detach(found: readonly FoundInstance[]): Promise<void> {
    const groups = new Map<string, string[]>();
    for (const { instance } of found) {
      const group = tagMap(instance.Tags)[GROUP_TAG];
      if (group !== undefined) groups.set(group, [...(groups.get(group) ?? []), instance.InstanceId!]);
    }
    if (groups.size > 0 && this.autoScaling === undefined) {
      throw new AwsProviderError('AWS_CONFIG_INVALID', `instances of Auto Scaling groups ${[...groups.keys()].join(', ')} cannot be returned without an Auto Scaling client (the group would replace them)`);
    }
    if (groups.size > 0) await detachFromGroups(this.autoScaling!, groups);
  }

  /**
   * Machines EC2 takes back: spot instances marked for interruption (grace: EC2's two minutes), and
   * the request's instances stopped or terminated by anyone but this adapter (grace 0).
   */
  async reclaimNotices(): Promise<ReclaimNotice[]> {
    // One scan of the adapter's instances; state and lifecycle are sorted here (not every EC2 API
    // emulator filters on instance-lifecycle).
    const ours = await findInstances(this.client, [{ Name: 'tag-key', Values: [REQUEST_TAG] }], this.pageSize);
    const notices: ReclaimNotice[] = ours
      .map(({ instance }) => instance)
      .filter((instance) => STOPPED_STATES.includes(instance.State?.Name ?? '') && tagMap(instance.Tags)[RETURN_TAG] === undefined && !launchFailed(instance))
      .map((instance) => notice(instance, 0, `EC2 reports the instance ${instance.State?.Name ?? 'gone'} (${instance.StateReason?.Message ?? instance.StateTransitionReason ?? 'no reason given'}) without a return from Symphony`));
    const spot = ours.map(({ instance }) => instance).filter((i) => i.InstanceLifecycle === 'spot' && i.SpotInstanceRequestId && ['pending', 'running'].includes(i.State?.Name ?? ''));
    const byRequest = new Map(spot.map((instance) => [instance.SpotInstanceRequestId!, instance]));
    for (const ids of chunks([...byRequest.keys()], 100)) {
      const answer = await ec2Call('DescribeSpotInstanceRequests', () => this.client.send(new DescribeSpotInstanceRequestsCommand({ SpotInstanceRequestIds: ids })));
      for (const request of answer.SpotInstanceRequests ?? []) {
        const code = request.Status?.Code ?? '';
        const instance = byRequest.get(request.SpotInstanceRequestId ?? '');
        if (instance === undefined || !code.startsWith('marked-for-')) continue;
        const since = request.Status?.UpdateTime?.getTime() ?? Date.now();
        const left = Math.max(0, Math.round(SPOT_NOTICE_SECONDS - (Date.now() - since) / 1000));
        notices.push(notice(instance, left, `spot interruption: ${code}`));
      }
    }
    return notices;
  }
}

function notice(instance: Instance, gracePeriod: number, reason: string): ReclaimNotice {
  return { machineId: instance.InstanceId!, name: instance.PrivateDnsName || instance.PrivateIpAddress || null, gracePeriod, reason };
}
