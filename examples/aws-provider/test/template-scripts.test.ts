import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REQUEST_TAG } from '../tags';
import { motoForTests } from './support';
import { awsDriver, buildSymphonyScripts } from './symphony-scripts';

const moto = await motoForTests();

describe.skipIf(moto.skip)('SSM images, aliases and the catalogue through the Symphony scripts on moto', () => {
  if (moto.skip) return;
  const { client, network, server } = moto;
  let build: ReturnType<typeof buildSymphonyScripts>;
  beforeAll(() => void (build = buildSymphonyScripts()), 180_000);
  afterAll(() => build?.dispose());

  const template = (templateId: string, imageId: string) => ({
    templateId,
    maxNumber: 4,
    vmType: 't3.micro',
    imageId,
    subnetId: network.subnetIds,
    securityGroupIds: [network.securityGroupId],
    attributes: { type: ['String', 'X86_64'] },
  });

  it('fills attributes from DescribeInstanceTypes, launches the AMI an SSM parameter or an alias names, and refuses a missing parameter at import', async () => {
    const ssm = new SSMClient({ region: 'us-east-1', endpoint: server.endpoint });
    await ssm.send(new PutParameterCommand({ Name: '/hf/scripts/compute', Value: network.imageId, Type: 'String', Overwrite: true }));
    const driver = awsDriver(build.scripts, server.endpoint, { templates: [template('by-path', '/hf/scripts/compute'), template('by-alias', 'alias:compute')] });
    try {
      writeFileSync(join(driver.root, 'conf', 'awsprov_config.json'), JSON.stringify({ region: 'us-east-1', endpoint: server.endpoint, maxAttempts: 3, imageAliases: { compute: '/hf/scripts/compute' } }));
      const available = await driver.run('getAvailableTemplates', {});
      expect(available.exitCode, available.stdout).toBe(0);
      for (const t of available.document.templates as { attributes: Record<string, unknown> }[]) {
        expect(t.attributes).toMatchObject({ ncpus: ['Numeric', '2'], nram: ['Numeric', '1024'] });
      }
      const checked = await driver.exec('validateTemplates', []);
      expect(checked.document).toMatchObject({ valid: true, provider: { name: 'aws', type: 'aws' } });
      expect((checked.document.templates as { sources: Record<string, string> }[])[0]!.sources).toMatchObject({ 'attributes.ncpus': 'catalogue', 'attributes.nram': 'catalogue', imageId: 'template' });

      for (const templateId of ['by-path', 'by-alias']) {
        const asked = await driver.run('requestMachines', { template: { templateId, machineCount: 1 } });
        expect(asked.exitCode, asked.stdout).toBe(0);
        const answer = await client.send(new DescribeInstancesCommand({ Filters: [{ Name: `tag:${REQUEST_TAG}`, Values: [asked.document.requestId as string] }] }));
        expect((answer.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => i.ImageId)).toEqual([network.imageId]);
      }

      // awsDriver installs the file under the instance's name, aws (driver.templatesPath is the driver's default name).
      writeFileSync(join(driver.root, 'conf', 'awsprov_templates.json'), JSON.stringify({ templates: [template('by-path', '/hf/scripts/compute'), template('gone', '/hf/scripts/removed'), template('typo', 'alias:cmpute')] }));
      const refused = await driver.run('getAvailableTemplates', {});
      expect(refused.exitCode).toBe(1);
      expect(String(refused.document.message)).toMatch(/templates\[1\]\.imageId: template "gone": the SSM parameter does not exist/);
      expect(String(refused.document.message)).toMatch(/templates\[2\]\.imageId: template "typo": the alias has no mapping/);
    } finally {
      driver.dispose();
      ssm.destroy();
    }
  }, 180_000);
});
