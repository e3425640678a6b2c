import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TemplateInput } from 'hostfactory-kernel';
import { SymphonyDriver } from '../symphony-provider/driver';
import type { MotoNetwork } from './moto-server';

/** Template settings per provider API, as the tests and the demo use them (network keys added by each). */
export const API_TEMPLATES: Readonly<Record<string, Partial<TemplateInput>>> = {
  RunInstances: { providerApi: 'RunInstances' },
  'EC2Fleet instant': { providerApi: 'EC2Fleet', vmType: null, vmTypes: { 't3.micro': 1, 't3.small': 2 }, priceType: 'heterogeneous', percentOnDemand: 50, allocationStrategy: 'lowestPrice' },
  'EC2Fleet request': { providerApi: 'EC2Fleet', fleetType: 'request', vmTypes: { 't3.micro': 1 }, priceType: 'spot', maxSpotPrice: '0.05' },
  ASG: { providerApi: 'ASG' },
  SpotFleet: { providerApi: 'SpotFleet', vmType: null, vmTypes: { 't3.micro': 1 }, priceType: 'spot', fleetRole: 'arn:aws:iam::123456789012:role/aws-ec2-spot-fleet-tagging-role', allocationStrategy: 'lowestPrice', rootDeviceVolumeSize: 20, volumeType: 'gp3' },
};

/** One Symphony template per provider API, launching into the moto network (`aws-<api>`). */
export function symphonyTemplates(network: MotoNetwork): { ids: Record<string, string>; file: object } {
  const entries = Object.entries(API_TEMPLATES).map(([api, overrides]) => ({
    api,
    template: {
      templateId: `aws-${api.toLowerCase().replace(/\s+/g, '-')}`,
      maxNumber: 10,
      attributes: { type: ['String', 'X86_64'], ncpus: ['Numeric', '2'], nram: ['Numeric', '1024'] },
      vmType: 't3.micro',
      imageId: network.imageId,
      subnetId: network.subnetIds,
      securityGroupIds: [network.securityGroupId],
      instanceTags: 'team=hpc',
      ...overrides,
    },
  }));
  return { ids: Object.fromEntries(entries.map((e) => [e.api, e.template.templateId])), file: { templates: entries.map((e) => e.template) } };
}

/** A Symphony driver on the AWS provider: `awsprov_templates.json` and `awsprov_config.json` pointing at moto. */
export function awsDriver(scripts: string, endpoint: string, templatesFile: object, env: Record<string, string> = {}): SymphonyDriver {
  const templates = join(mkdtempSync(join(tmpdir(), 'hf-aws-templates-')), 'awsprov_templates.json');
  writeFileSync(templates, JSON.stringify(templatesFile));
  const driver = new SymphonyDriver(scripts, templates, {
    HF_PROVIDER_NAME: 'aws',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    SIM_PROVIDER_TIMEOUT_MS: '1500',
    ...env,
  });
  copyFileSync(templates, join(driver.root, 'conf', 'awsprov_templates.json'));
  rmSync(dirname(templates), { recursive: true, force: true });
  writeFileSync(join(driver.root, 'conf', 'awsprov_config.json'), JSON.stringify({ region: 'us-east-1', endpoint, maxAttempts: 3, pageSize: 5 }));
  return driver;
}
