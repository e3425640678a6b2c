import { EC2Client } from '@aws-sdk/client-ec2';
import { afterAll } from 'vitest';
import { sampleTemplateSnapshot } from '../../../src/testing/index';
import type { TemplateInput, TemplateSnapshot } from '../../../src/index';
import { createEc2Client } from '../config';
import { prepareNetwork, startMotoServer, type MotoNetwork, type MotoServer } from '../moto-server';

/** A moto_server for one test file, or why there is none (only ever outside CI). */
export type MotoState =
  | { readonly skip: false; readonly server: MotoServer; readonly client: EC2Client; readonly network: MotoNetwork }
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
  const network = await prepareNetwork(client);
  return { skip: false, server, client, network };
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

/** Templates per provider API, as the contract and the Symphony cycle use them. */
export function apiTemplates(network: MotoNetwork): Record<string, Partial<TemplateInput>> {
  return {
    RunInstances: { providerApi: 'RunInstances' },
    'EC2Fleet instant': { providerApi: 'EC2Fleet', vmType: null, vmTypes: { 't3.micro': 1, 't3.small': 2 }, priceType: 'heterogeneous', percentOnDemand: 50, allocationStrategy: 'lowestPrice' },
    'EC2Fleet request': { providerApi: 'EC2Fleet', fleetType: 'request', vmTypes: { 't3.micro': 1 }, priceType: 'spot', maxSpotPrice: '0.05' },
    SpotFleet: { providerApi: 'SpotFleet', vmType: null, vmTypes: { 't3.micro': 1 }, priceType: 'spot', fleetRole: 'arn:aws:iam::123456789012:role/aws-ec2-spot-fleet-tagging-role', allocationStrategy: 'lowestPrice', rootDeviceVolumeSize: 20, volumeType: 'gp3' },
  };
}
