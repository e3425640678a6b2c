import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { afterAll } from 'vitest';
import { sampleTemplateSnapshot } from 'hostfactory-kernel/testing';
import type { TemplateInput, TemplateSnapshot } from 'hostfactory-kernel';
import { createAutoScalingClient, createEc2Client } from '../config';
import { prepareNetwork, startMotoServer, type MotoNetwork, type MotoServer } from '../moto-server';

export { API_TEMPLATES } from '../symphony-on-moto';

/** A moto_server for one test file, or why there is none (only ever outside CI). */
export type MotoState =
  | { readonly skip: false; readonly server: MotoServer; readonly client: EC2Client; readonly autoScaling: AutoScalingClient; readonly network: MotoNetwork }
  | { readonly skip: true; readonly reason: string };

/**
 * Starts this test file's own moto_server and prepares its network; stops it after the file. Under
 * `CI=true` a moto_server that cannot start fails the file; elsewhere it prints why and the suite skips.
 */
export async function motoForTests(): Promise<MotoState> {
  let server: MotoServer;
  try {
    server = await startMotoServer();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (process.env.CI === 'true') throw new Error(`${reason}; CI=true requires moto_server (pip install "moto[server]")`);
    console.warn(`Skipping the AWS provider tests: ${reason}. Set CI=true to make this a failure.`);
    return { skip: true, reason };
  }
  afterAll(() => server.stop());
  const client = motoClient(server.endpoint);
  const autoScaling = createAutoScalingClient({ region: 'us-east-1', endpoint: server.endpoint, maxAttempts: 3 });
  const network = await prepareNetwork(client);
  return { skip: false, server, client, autoScaling, network };
}

/** An EC2 client on moto with dummy credentials, few attempts (faults surface fast). */
export function motoClient(endpoint: string, maxAttempts = 3): EC2Client {
  process.env.AWS_ACCESS_KEY_ID ??= 'testing';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';
  return createEc2Client({ region: 'us-east-1', endpoint, maxAttempts });
}

/** A template launching into the moto network, with `overrides`. */
export function motoTemplate(network: MotoNetwork, overrides: Partial<TemplateInput> = {}): TemplateSnapshot {
  return sampleTemplateSnapshot({
    templateId: 'aws-ondemand',
    vmType: 't3.micro',
    imageId: network.imageId,
    subnetId: network.subnetIds,
    securityGroupIds: [network.securityGroupId],
    instanceTags: 'team=hpc;cost-center=42',
    ...overrides,
  });
}

/** A Symphony template (input of CreateTemplate) for an EC2 Fleet of t3.micro in the moto network, with `overrides`. */
export function fleetTemplateInput(network: MotoNetwork, templateId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    templateId, maxNumber: 10, providerApi: 'EC2Fleet', priceType: 'ondemand',
    attributes: { type: ['String', 'X86_64'], ncpus: ['Numeric', '2'], nram: ['Numeric', '1024'] },
    vmTypes: { 't3.micro': 1 }, imageId: network.imageId, subnetId: network.subnetIds[0]!, securityGroupIds: [network.securityGroupId],
    ...overrides,
  };
}
