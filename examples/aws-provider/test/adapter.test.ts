import { DescribeFleetsCommand, DescribeInstanceAttributeCommand, DescribeInstancesCommand, DescribeLaunchTemplatesCommand, DescribeSpotFleetRequestsCommand, RunInstancesCommand, StopInstancesCommand, TerminateInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { AwsEc2Provider } from '../aws-provider';
import { RC_ACCOUNT_TAG, REQUEST_TAG, RETURN_TAG, TEMPLATE_TAG } from '../tags';
import { logAttempts } from './faults';
import { API_TEMPLATES, motoClient, motoForTests, motoTemplate } from './support';

const moto = await motoForTests();
const newRequestId = (): string => `req-${crypto.randomUUID()}`;

/** Every instance EC2 has tagged with the request, with its state and tags. */
async function tagged(client: EC2Client, requestId: string): Promise<{ id: string; state: string; tags: Record<string, string> }[]> {
  const answer = await client.send(new DescribeInstancesCommand({ Filters: [{ Name: `tag:${REQUEST_TAG}`, Values: [requestId] }] }));
  return (answer.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => ({
    id: i.InstanceId!,
    state: i.State!.Name!,
    tags: Object.fromEntries((i.Tags ?? []).map((t) => [t.Key!, t.Value!])),
  }));
}

/** The adapter's launch templates for a request (moto answers an unknown name with an error, EC2 too). */
async function launchTemplates(client: EC2Client, requestId: string): Promise<string[]> {
  const answer = await client.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: [`hostfactory-${requestId}`] })).catch(() => undefined);
  return answer?.LaunchTemplates?.map((t) => t.LaunchTemplateName!) ?? [];
}

describe.skipIf(moto.skip)('the AWS EC2 provider against moto_server', () => {
  if (moto.skip) return;
  const { client, network, server, autoScaling } = moto;
  const provider = new AwsEc2Provider(client, { autoScaling });

  for (const [api, overrides] of Object.entries(API_TEMPLATES)) {
    it(`${api}: provision twice for one request launches the units once, every instance tagged`, async () => {
      const template = motoTemplate(network, overrides);
      const requestId = newRequestId();
      const first = await provider.provision({ requestId, template, count: 3, tags: { project: 'x' } });
      const again = await provider.provision({ requestId, template, count: 3, tags: { project: 'x' } });
      expect(again.resourceIds).toEqual(first.resourceIds);
      const instances = await tagged(client, requestId);
      const units = instances.length; // every type in these templates weighs 1 except t3.small (2)
      expect(units).toBeGreaterThanOrEqual(2);
      expect(units).toBeLessThanOrEqual(3);
      for (const { tags } of instances) {
        expect(tags).toMatchObject({ [REQUEST_TAG]: requestId, [TEMPLATE_TAG]: 'aws-ondemand', team: 'hpc', 'cost-center': '42' });
      }
      // describe from the request id alone (what a reconciler has) finds exactly these.
      const described = await provider.describe({ requestId, resourceIds: [], machineIds: [] });
      expect(described.map((m) => m.machineId).sort()).toEqual(instances.map((i) => i.id).sort());
      await provider.terminate({ requestId: `ret-${crypto.randomUUID()}`, machineIds: described.map((m) => m.machineId) });
    });
  }

  it('tags every instance RC_ACCOUNT with the request\'s rc_account and hands it the rendered user data (template k=v;k=v plus the request\'s values)', async () => {
    const template = motoTemplate(network, { templateId: 'aws-lsf', userData: 'zone=us_west_2a' });
    const requestId = newRequestId();
    await provider.provision({ requestId, template, count: 2, tags: {}, rcAccount: 'proj-7', userData: { LSF_JOB_ID: '4711' } });
    const instances = await tagged(client, requestId);
    expect(instances).toHaveLength(2);
    for (const { id, tags } of instances) {
      expect(tags[RC_ACCOUNT_TAG]).toBe('proj-7');
      const attribute = await client.send(new DescribeInstanceAttributeCommand({ InstanceId: id, Attribute: 'userData' }));
      expect(Buffer.from(attribute.UserData?.Value ?? '', 'base64').toString('utf8')).toBe(
        "#!/bin/bash\nexport zone='us_west_2a'\nexport rc_account='proj-7'\nexport template_id='aws-lsf'\nexport LSF_JOB_ID='4711'\n",
      );
    }
    await provider.terminate({ requestId: `ret-${crypto.randomUUID()}`, machineIds: instances.map((i) => i.id) });
  });

  for (const api of ['EC2Fleet request', 'SpotFleet']) {
    it(`${api}: returning the last machine releases the fleet and the launch template, with no shortfall read into it`, async () => {
      const requestId = newRequestId();
      const template = motoTemplate(network, API_TEMPLATES[api]);
      const { resourceIds } = await provider.provision({ requestId, template, count: 2, tags: {} });
      const machines = await provider.describe({ requestId, resourceIds, machineIds: [] });
      expect(machines).toHaveLength(2);
      await provider.terminate({ requestId: `ret-${crypto.randomUUID()}`, machineIds: [machines[0]!.machineId] });
      expect(await launchTemplates(client, requestId)).toHaveLength(1); // one machine still alive: nothing released
      await provider.terminate({ requestId: `ret-${crypto.randomUUID()}`, machineIds: [machines[1]!.machineId] });
      expect(await launchTemplates(client, requestId)).toEqual([]);
      const states = api === 'SpotFleet'
        ? (await client.send(new DescribeSpotFleetRequestsCommand({ SpotFleetRequestIds: [...resourceIds] }))).SpotFleetRequestConfigs?.map((c) => c.SpotFleetRequestState) ?? []
        : (await client.send(new DescribeFleetsCommand({ FleetIds: [...resourceIds] }))).Fleets?.map((f) => f.FleetState) ?? [];
      expect(states.every((state) => state === undefined || /^(deleted|cancelled)/.test(state))).toBe(true);
      const after = await provider.describe({ requestId, resourceIds, machineIds: machines.map((m) => m.machineId) });
      expect(after.filter((m) => m.status === 'failed')).toEqual([]);
    });
  }

  it('describe follows NextToken page by page and reports EC2 facts', async () => {
    const paging = motoClient(server.endpoint);
    const attempts = logAttempts(paging);
    const small = new AwsEc2Provider(paging, { pageSize: 5 });
    const requestId = newRequestId();
    // moto pages by reservation, so the request's 12 instances come from 12 launches (as a fleet's do).
    for (let i = 0; i < 12; i += 1) {
      await paging.send(new RunInstancesCommand({
        ImageId: network.imageId, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, SubnetId: network.subnetIds[i % 2],
        TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: REQUEST_TAG, Value: requestId }] }],
      }));
    }
    const before = attempts.get('DescribeInstancesCommand') ?? 0;
    const machines = await small.describe({ requestId, resourceIds: [], machineIds: [] });
    expect(machines).toHaveLength(12);
    expect((attempts.get('DescribeInstancesCommand') ?? 0) - before).toBe(3);
    for (const machine of machines) {
      expect(machine).toMatchObject({ instanceType: 't3.micro', priceType: 'ondemand' });
      expect(machine.status === 'pending' || machine.status === 'running').toBe(true);
      expect(machine.name).toMatch(/^ip-10-0-\d+-\d+\.ec2\.internal$/);
      expect(machine.privateIpAddress).toMatch(/^10\.0\./);
      expect(machine.launchTime).toBeInstanceOf(Date);
      expect(machine.resourceId).toMatch(/^r-/);
    }
    await small.terminate({ requestId: `ret-${crypto.randomUUID()}`, machineIds: machines.map((m) => m.machineId) });
    paging.destroy();
  });

  it('terminates in batches, accepts instances already gone, and marks each with the return request', async () => {
    const requestId = newRequestId();
    const { machines } = await provider.provision({ requestId, template: motoTemplate(network), count: 3, tags: {} });
    const ids = machines.map((m) => m.machineId);
    await client.send(new TerminateInstancesCommand({ InstanceIds: [ids[0]!] }));
    const returnId = `ret-${crypto.randomUUID()}`;
    const result = await provider.terminate({ requestId: returnId, machineIds: [...ids, 'i-0000000000000dead', 'fleet-x-unfulfilled-1'] });
    expect(result.failed).toEqual([]);
    expect([...result.accepted].sort()).toEqual([...ids, 'i-0000000000000dead', 'fleet-x-unfulfilled-1'].sort());
    for (const instance of await tagged(client, requestId)) {
      expect(instance.state === 'terminated' || instance.state === 'shutting-down').toBe(true);
      expect(instance.tags[RETURN_TAG]).toBe(returnId);
    }
  });

  it('reports instances stopped or terminated outside the library as reclaim notices, not its own terminations', async () => {
    const requestId = newRequestId();
    const { machines } = await provider.provision({ requestId, template: motoTemplate(network), count: 4, tags: {} });
    const [stopped, killed, returned, kept] = machines.map((m) => m.machineId);
    await client.send(new StopInstancesCommand({ InstanceIds: [stopped!] }));
    await client.send(new TerminateInstancesCommand({ InstanceIds: [killed!] }));
    await provider.terminate({ requestId: `ret-${crypto.randomUUID()}`, machineIds: [returned!] });
    const notices = (await provider.reclaimNotices()).filter((n) => machines.some((m) => m.machineId === n.machineId));
    expect(notices.map((n) => n.machineId).sort()).toEqual([stopped, killed].sort());
    for (const notice of notices) {
      expect(notice.gracePeriod).toBe(0);
      expect(notice.name).toMatch(/\.ec2\.internal$/);
      expect(notice.reason).toMatch(/without a return from Symphony/);
    }
    expect(notices.some((n) => n.machineId === kept)).toBe(false);
    await provider.terminate({ requestId: `ret-${crypto.randomUUID()}`, machineIds: machines.map((m) => m.machineId) });
  });

  it('refuses a template it cannot launch with a coded error naming the key', async () => {
    const template = motoTemplate(network, { providerApi: 'SpotFleet', vmType: null, vmTypes: { 't3.micro': 1 }, priceType: 'spot' });
    await expect(provider.provision({ requestId: newRequestId(), template, count: 1, tags: {} })).rejects.toMatchObject({
      code: 'AWS_TEMPLATE_INVALID',
      field: 'fleetRole',
      message: expect.stringMatching(/fleetRole is needed for SpotFleet/),
    });
  });
});
