import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeFleetsCommand, DescribeInstancesCommand, DescribeLaunchTemplatesCommand, DescribeSpotFleetRequestsCommand, RunInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { CreateTemplate, Reconcile, RequestMachines, type ProviderPort, type TemplateSnapshot } from 'hostfactory-kernel';
import { createInMemoryStorage, createTestHostFactory, ManualClock, sequentialIds, type InMemoryStorage, type TestHostFactory } from 'hostfactory-kernel/testing';
import { AwsEc2Provider } from '../aws-provider';
import { ensureLaunchTemplate } from '../launch-template';
import { launchSettings } from '../launch-settings';
import { symphonyTemplates } from '../symphony-on-moto';
import { REQUEST_TAG, requestTags, RETURN_TAG, tagList } from '../tags';
import { API_TEMPLATES, motoForTests, motoTemplate } from './support';

const moto = await motoForTests();
const newRequestId = (): string => `req-${crypto.randomUUID()}`;

/** Every instance EC2 has tagged with the request: id, state, tags. */
async function tagged(client: EC2Client, requestId: string): Promise<{ id: string; state: string; tags: Record<string, string> }[]> {
  const answer = await client.send(new DescribeInstancesCommand({ Filters: [{ Name: `tag:${REQUEST_TAG}`, Values: [requestId] }] }));
  return (answer.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => ({
    id: i.InstanceId!,
    state: i.State!.Name!,
    tags: Object.fromEntries((i.Tags ?? []).map((t) => [t.Key!, t.Value!])),
  }));
}

/** The launch templates tagged with the request. */
async function launchTemplates(client: EC2Client, requestId: string): Promise<string[]> {
  const answer = await client.send(new DescribeLaunchTemplatesCommand({ Filters: [{ Name: `tag:${REQUEST_TAG}`, Values: [requestId] }] }));
  return (answer.LaunchTemplates ?? []).map((t) => t.LaunchTemplateName!);
}

const DOWN = ['shutting-down', 'terminated'];

/** A process on a shared in-memory storage and clock, with its own ids. */
let processes = 0;
function processOn(storage: InMemoryStorage, clock: ManualClock, provider: ProviderPort): TestHostFactory {
  processes += 1;
  return createTestHostFactory({ storage, provider, clock, ids: sequentialIds(processes * 1_000_000), limits: { providerTimeoutMs: 86_400_000 } });
}

describe.skipIf(moto.skip)('AwsEc2Provider.cancelProvision against moto_server', () => {
  if (moto.skip) return;
  const { client, network, autoScaling } = moto;
  const provider = new AwsEc2Provider(client, { autoScaling, pageSize: 5 });

  for (const [api, overrides] of Object.entries(API_TEMPLATES)) {
    it(`${api}: releases the fleet, group, instances and launch template found by request id, then releases nothing`, async () => {
      const requestId = newRequestId();
      const { resourceIds } = await provider.provision({ requestId, template: motoTemplate(network, overrides), count: 2, tags: {} });
      expect((await tagged(client, requestId)).length).toBeGreaterThan(0);

      const { released } = await provider.cancelProvision({ requestId, resourceIds: [], machineIds: [] });
      expect(released.length).toBeGreaterThan(0);
      for (const instance of await tagged(client, requestId)) {
        expect(DOWN).toContain(instance.state);
        expect(instance.tags[RETURN_TAG]).toBe(requestId); // so no reclaim notice reports them
      }
      expect(await launchTemplates(client, requestId)).toEqual([]);
      if (api.startsWith('EC2Fleet')) {
        const fleets = (await client.send(new DescribeFleetsCommand({ FleetIds: [...resourceIds] }))).Fleets ?? [];
        expect(fleets.map((f) => f.FleetState)).toEqual([expect.stringMatching(/^deleted/)]);
      }
      if (api === 'SpotFleet') {
        const configs = (await client.send(new DescribeSpotFleetRequestsCommand({ SpotFleetRequestIds: [...resourceIds] }))).SpotFleetRequestConfigs ?? [];
        // EC2 keeps a cancelled request described for a while; moto forgets it at once (docs/aws-provider.md).
        expect(configs.every((c) => /^cancelled/.test(c.SpotFleetRequestState ?? ''))).toBe(true);
        expect(released).toContain(resourceIds[0]);
      }
      if (api === 'ASG') {
        const groups = await autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [`hostfactory-${requestId}`] }));
        expect(groups.AutoScalingGroups ?? []).toEqual([]);
      }
      const ours = new Set((await tagged(client, requestId)).map((i) => i.id));
      expect((await provider.reclaimNotices()).filter((n) => ours.has(n.machineId))).toEqual([]);

      expect(await provider.cancelProvision({ requestId, resourceIds, machineIds: [] })).toEqual({ released: [] });
    });
  }

  it('a Reconcile removes the launch templates of 8 requestMachines killed between the template and the fleet', async () => {
    const clock = new ManualClock();
    const storage = createInMemoryStorage();
    const { file } = symphonyTemplates(network);
    const input = (file as { templates: { templateId: string }[] }).templates.find((t) => t.templateId === 'aws-ec2fleet-request')!;
    // The process dies right after the launch template exists: its provision never returns.
    const killedAfterTemplate: ProviderPort = {
      provision: async ({ requestId, template, tags }) => {
        await ensureLaunchTemplate(client, launchSettings(template as TemplateSnapshot), requestId, requestTags(requestId, template.templateId, template.instanceTags, tags));
        return new Promise<never>(() => undefined);
      },
      describe: (i) => provider.describe(i),
      terminate: (i) => provider.terminate(i),
      reclaimNotices: () => provider.reclaimNotices(),
    };
    const doomed = processOn(storage, clock, killedAfterTemplate);
    await doomed.commands.execute(CreateTemplate.from({ template: input }));
    const ids: string[] = [];
    for (let i = 0; i < 8; i += 1) void doomed.commands.execute(RequestMachines.from({ templateId: input.templateId, machineCount: 1 })).catch(() => undefined);
    const giveUp = Date.now() + 20_000;
    while (ids.length < 8 && Date.now() < giveUp) {
      const requests = await storage.unitOfWork.transaction((tx) => tx.requests.findByStatus(['pending']));
      ids.splice(0, ids.length, ...requests.map((r) => r.requestId));
      const made = await Promise.all(ids.map((id) => launchTemplates(client, id)));
      if (ids.length === 8 && made.every((names) => names.length === 1)) break;
      ids.length = 0;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(ids).toHaveLength(8);
    doomed.dispose();

    const reconciler = processOn(storage, clock, provider);
    clock.advance({ minutes: 15 });
    expect(await reconciler.commands.execute(Reconcile.from({}))).toMatchObject({ abandoned: 8, errors: 0 });
    for (const id of ids) expect(await launchTemplates(client, id)).toEqual([]);
    reconciler.dispose();
  });

  it('a Reconcile finds and terminates an instance launched for a request-type fleet after its request was settled', async () => {
    const clock = new ManualClock();
    const storage = createInMemoryStorage();
    const { file } = symphonyTemplates(network);
    const input = (file as { templates: { templateId: string }[] }).templates.find((t) => t.templateId === 'aws-ec2fleet-request')!;
    const killedAfterProvision: ProviderPort = {
      provision: async (i) => {
        await provider.provision(i);
        return new Promise<never>(() => undefined);
      },
      describe: (i) => provider.describe(i),
      terminate: (i) => provider.terminate(i),
      reclaimNotices: () => provider.reclaimNotices(),
    };
    const doomed = processOn(storage, clock, killedAfterProvision);
    await doomed.commands.execute(CreateTemplate.from({ template: input }));
    void doomed.commands.execute(RequestMachines.from({ templateId: input.templateId, machineCount: 2 })).catch(() => undefined);
    let requestId = '';
    const giveUp = Date.now() + 20_000;
    while (Date.now() < giveUp) {
      requestId = (await storage.unitOfWork.transaction((tx) => tx.requests.findByStatus(['pending'])))[0]?.requestId ?? '';
      if (requestId !== '' && (await tagged(client, requestId)).length === 2) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    doomed.dispose();

    const reconciler = processOn(storage, clock, provider);
    clock.advance({ minutes: 15 });
    expect(await reconciler.commands.execute(Reconcile.from({}))).toMatchObject({ abandoned: 1, machinesReturned: 2, errors: 0 });
    // EC2 can launch an instance for a fleet being deleted, and DescribeInstances shows it late;
    // moto launches fleets at once, so the late instance is launched here with the fleet's tags.
    const late = await client.send(new RunInstancesCommand({
      ImageId: network.imageId, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, SubnetId: network.subnetIds[0],
      TagSpecifications: [{ ResourceType: 'instance', Tags: tagList(requestTags(requestId, input.templateId, {}, {})) }],
    }));
    const lateId = late.Instances![0]!.InstanceId!;
    clock.advance({ minutes: 1 });
    expect(await reconciler.commands.execute(Reconcile.from({}))).toMatchObject({ releasing: 1, released: 0, errors: 0 });
    expect(DOWN).toContain((await tagged(client, requestId)).find((i) => i.id === lateId)!.state);
    const acquire = await storage.unitOfWork.transaction((tx) => tx.requests.get(requestId));
    expect(acquire!.machineIds).toContain(lateId);
    clock.advance({ minutes: 30 });
    expect(await reconciler.commands.execute(Reconcile.from({}))).toMatchObject({ releasing: 1, released: 1 });
    expect((await tagged(client, requestId)).every((i) => DOWN.includes(i.state))).toBe(true);
    reconciler.dispose();
  });
});
