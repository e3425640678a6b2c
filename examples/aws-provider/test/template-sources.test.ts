import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { CreateTemplate, isKernelError, RequestMachines } from 'hostfactory-kernel';
import { completeTemplatesFile, ImageResolutionError, type ImageResolutionReason } from 'hostfactory-kernel/hostfactory';
import { createTestHostFactory } from 'hostfactory-kernel/testing';
import { AwsEc2Provider } from '../aws-provider';
import { parseAwsProviderConfig } from '../config-file';
import { ec2InstanceTypeCatalogue } from '../instance-types';
import { ssmImageResolver } from '../ssm-images';
import { motoForTests } from './support';

const moto = await motoForTests();
const attributes = { type: ['String', 'X86_64'] };

/** True when `error` is `IMAGE_UNRESOLVED` for `reason`. */
function isImageUnresolved(error: unknown, reason: ImageResolutionReason): boolean {
  return isKernelError(error, 'IMAGE_UNRESOLVED') && error.details.reason === reason;
}

describe.skipIf(moto.skip)('template sources on moto: SSM images and the EC2 instance-type catalogue', () => {
  if (moto.skip) return;
  const { client, network, server } = moto;
  const ssm = new SSMClient({ region: 'us-east-1', endpoint: server.endpoint, maxAttempts: 2 });
  const put = (Name: string, Value: string) => ssm.send(new PutParameterCommand({ Name, Value, Type: 'String', Overwrite: true }));

  it('resolves a parameter path once for many concurrent and later requests within the TTL, then asks again', async () => {
    await put('/hf/images/compute', network.imageId);
    const images = ssmImageResolver(ssm, { errors: ImageResolutionError, ttlMs: 400 });
    const answers = await Promise.all(Array.from({ length: 20 }, () => images.resolve('/hf/images/compute')));
    expect(new Set(answers)).toEqual(new Set([network.imageId]));
    await expect(images.resolve('resolve:ssm:/hf/images/compute')).resolves.toBe(network.imageId);
    expect(images.calls).toBe(1);
    await put('/hf/images/compute', 'ami-0123456789abcdef0');
    await expect(images.resolve('/hf/images/compute')).resolves.toBe(network.imageId);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await expect(images.resolve('/hf/images/compute')).resolves.toBe('ami-0123456789abcdef0');
    expect(images.calls).toBe(2);
  });

  it('keeps at most maxEntries paths', async () => {
    const images = ssmImageResolver(ssm, { errors: ImageResolutionError, maxEntries: 2 });
    for (const name of ['a', 'b', 'c']) await put(`/hf/bounded/${name}`, network.imageId);
    for (const name of ['a', 'b', 'c', 'a']) await images.resolve(`/hf/bounded/${name}`);
    expect(images.calls).toBe(4); // a was pushed out by c
  });

  it('serves the public Amazon Linux parameter moto carries', async () => {
    const name = '/aws/service/ami-amazon-linux-latest/amzn2-ami-hvm-x86_64-gp2';
    const stored = await ssm.send(new GetParameterCommand({ Name: name })).catch(() => undefined);
    if (stored?.Parameter?.Value === undefined) return void console.warn(`moto has no ${name}; skipped that check`);
    await expect(ssmImageResolver(ssm, { errors: ImageResolutionError }).resolve(name)).resolves.toBe(stored.Parameter.Value);
  });

  it('refuses a path that does not exist and a value that is not an AMI id, and caches neither', async () => {
    const images = ssmImageResolver(ssm, { errors: ImageResolutionError });
    const missing = await images.resolve('/hf/images/none').catch((e: unknown) => e);
    expect(isImageUnresolved(missing, 'unknown')).toBe(true);
    await put('/hf/images/text', 'not an image');
    expect(isImageUnresolved(await images.resolve('/hf/images/text').catch((e: unknown) => e), 'unknown')).toBe(true);
    await images.resolve('/hf/images/none').catch(() => undefined);
    expect(images.calls).toBe(3);
  });

  it('fails a request whose parameter does not exist before anything is launched', async () => {
    const provider = new AwsEc2Provider(client);
    const hf = createTestHostFactory({ provider, images: ssmImageResolver(ssm, { errors: ImageResolutionError }) });
    try {
      const template = { templateId: 'gone', maxNumber: 5, vmType: 't3.micro', imageId: '/hf/images/removed', subnetId: network.subnetIds, attributes: { ...attributes, ncpus: 2, nram: 1024 } };
      await hf.commands.execute(CreateTemplate.from({ template }));
      const error = await hf.commands.execute(RequestMachines.from({ templateId: 'gone', machineCount: 2 })).catch((e: unknown) => e);
      expect(isImageUnresolved(error, 'unknown')).toBe(true);
      const { DescribeInstancesCommand } = await import('@aws-sdk/client-ec2');
      const running = await client.send(new DescribeInstancesCommand({ Filters: [{ Name: 'image-id', Values: ['/hf/images/removed'] }] }));
      expect(running.Reservations ?? []).toEqual([]);
    } finally {
      hf.dispose();
    }
  });

  it('fills attributes from DescribeInstanceTypes, caches them, and refuses an unknown type', async () => {
    const catalogue = ec2InstanceTypeCatalogue(client);
    const file = {
      templates: [
        { templateId: 'micro', maxNumber: 4, vmType: 't3.micro', imageId: network.imageId, attributes },
        { templateId: 'mixed', maxNumber: 8, priceType: 'spot', vmTypes: { 't3.micro': 1, 'm5.large': 2 }, imageId: network.imageId, attributes: { ...attributes, nram: 512 } },
      ],
    };
    const { document, sources } = await completeTemplatesFile(file, { catalogue });
    expect(document.templates[0]!.attributes).toEqual({ ...attributes, ncpus: ['Numeric', '2'], ncores: ['Numeric', '1'], nram: ['Numeric', '1024'] });
    expect(sources[0]).toMatchObject({ 'attributes.ncpus': 'catalogue', 'attributes.nram': 'catalogue' });
    expect(document.templates[1]!.attributes).toMatchObject({ ncpus: ['Numeric', '2'], nram: 512 });
    await completeTemplatesFile(file, { catalogue });
    expect(catalogue.calls).toBe(1);
    const typo = { templates: [{ ...file.templates[0], vmType: 't3.gigantic' }] };
    const refused = await completeTemplatesFile(typo, { catalogue }).catch((e: unknown) => e as { code: string; issues: unknown[] });
    expect(refused).toMatchObject({ code: 'VALIDATION_FAILED', issues: [expect.objectContaining({ path: 'templates[0].vmType', constraint: 'instanceTypeUnknown' })] });
  });
});

describe('imageAliases in awsprov_config.json', () => {
  it('accepts AMI ids and parameter paths, and refuses anything else naming the alias', () => {
    expect(parseAwsProviderConfig({ imageAliases: { al2023: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64', pinned: 'ami-0123456789abcdef0' } }).imageAliases).toMatchObject({ pinned: 'ami-0123456789abcdef0' });
    for (const [value, field] of [[{ rhel: 'rhel-9' }, 'imageAliases.rhel'], [['ami-0123456789abcdef0'], 'imageAliases']] as const) {
      const error = (() => {
        try {
          return parseAwsProviderConfig({ imageAliases: value });
        } catch (e) {
          return e;
        }
      })();
      expect(error).toMatchObject({ code: 'AWS_CONFIG_INVALID', field });
    }
  });
});
