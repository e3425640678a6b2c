import { runProviderContract } from 'hostfactory-kernel/testing/vitest';
import { describe } from 'vitest';
import { AwsEc2Provider } from '../aws-provider';
import { API_TEMPLATES, motoForTests, motoTemplate } from './support';

const moto = await motoForTests();

describe.skipIf(moto.skip)('the AWS EC2 provider against moto_server', () => {
  if (moto.skip) return;
  const { client, network, autoScaling } = moto;
  for (const [api, overrides] of Object.entries(API_TEMPLATES)) {
    runProviderContract({
      name: `aws ${api}`,
      create: () => ({
        provider: new AwsEc2Provider(client, { pageSize: 5, autoScaling }),
        failingTemplate: motoTemplate(network, { ...overrides, templateId: 'aws-broken', subnetId: 'subnet-00000000000000000', launchTemplateId: 'lt-00000000000000000' }),
      }),
      template: motoTemplate(network, overrides),
      count: 3,
    });
  }
});
