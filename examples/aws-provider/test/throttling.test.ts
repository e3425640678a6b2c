import { describe, expect, it } from 'vitest';
import { AwsEc2Provider } from '../aws-provider';
import { injectFaults, INTERNAL, logAttempts, THROTTLED } from './faults';
import { motoClient, motoForTests, motoTemplate } from './support';

const moto = await motoForTests();
const newRequestId = (): string => `req-${crypto.randomUUID()}`;

describe.skipIf(moto.skip)('the AWS provider under throttling and 5xx answers', () => {
  if (moto.skip) return;
  const { server, network } = moto;

  it('completes provision and describe through RequestLimitExceeded and 500s, within the bounded attempts', async () => {
    const client = motoClient(server.endpoint, 4);
    const attempts = logAttempts(client);
    injectFaults(client, 'RunInstancesCommand', [THROTTLED, INTERNAL, THROTTLED]);
    injectFaults(client, 'DescribeInstancesCommand', [INTERNAL, THROTTLED]);
    const provider = new AwsEc2Provider(client);
    const requestId = newRequestId();
    const result = await provider.provision({ requestId, template: motoTemplate(network), count: 2, tags: {} });
    expect(result.machines).toHaveLength(2);
    const described = await provider.describe({ requestId, resourceIds: [], machineIds: [] });
    expect(described.map((m) => m.machineId).sort()).toEqual(result.machines.map((m) => m.machineId).sort());
    // Three faults then the launch: four attempts of RunInstances, one launch in EC2.
    expect(attempts.get('RunInstancesCommand')).toBe(4);
    client.destroy();
  });

  it('gives up after maxAttempts with EC2\'s code in the message, having launched nothing', async () => {
    const client = motoClient(server.endpoint, 3);
    const attempts = logAttempts(client);
    injectFaults(client, 'RunInstancesCommand', [THROTTLED, THROTTLED, THROTTLED, THROTTLED]);
    const provider = new AwsEc2Provider(client);
    const requestId = newRequestId();
    await expect(provider.provision({ requestId, template: motoTemplate(network), count: 2, tags: {} })).rejects.toThrow(/RunInstances for req-.* failed: RequestLimitExceeded/);
    expect(attempts.get('RunInstancesCommand')).toBe(3);
    expect(await provider.describe({ requestId, resourceIds: [], machineIds: [] })).toEqual([]);
    client.destroy();
  });
});
