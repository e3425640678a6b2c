import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TemplateInput } from 'hostfactory-kernel';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ImportTemplates, KernelError } from 'hostfactory-kernel';
import { createTestHostFactory, sampleTemplateSnapshot } from 'hostfactory-kernel/testing';
import { AwsEc2Provider } from '../aws-provider';
import { clientSettings } from '../config';
import { loadAwsProviderConfig, parseAwsProviderConfig } from '../config-file';
import { launchSettings } from '../launch-settings';
import { renderUserData } from '../user-data';
import { clientToken } from '../tags';

describe('awsprov_config.json', () => {
  it('accepts the documented keys and defaults to nothing when the file is absent', () => {
    const dir = mkdtempSync(join(tmpdir(), 'awsprov-'));
    try {
      expect(loadAwsProviderConfig(dir)).toEqual({});
      writeFileSync(join(dir, 'awsprov_config.json'), JSON.stringify({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:5000', profile: 'hpc', retryMode: 'adaptive', maxAttempts: 6, pageSize: 100 }));
      expect(loadAwsProviderConfig(dir)).toMatchObject({ region: 'eu-west-1', retryMode: 'adaptive', maxAttempts: 6 });
      writeFileSync(join(dir, 'awsprov_config.json'), '{ not json');
      expect(() => loadAwsProviderConfig(dir)).toThrow(/awsprov_config.json is not valid JSON/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [{ accessKeyId: 'AKIA...' }, 'accessKeyId', /credentials belong in the SDK's chain/],
    [{ retryMode: 'legacy' }, 'retryMode', /"standard" or "adaptive"/],
    [{ maxAttempts: 0 }, 'maxAttempts', /integer from 1 to 20/],
    [{ pageSize: 2 }, 'pageSize', /integer from 5 to 1000/],
    [{ endpoint: 'localhost:5000' }, 'endpoint', /http\(s\) URL/],
    [{ region: '' }, 'region', /non-empty string/],
  ])('refuses %j with AWS_CONFIG_INVALID naming the key', (config, field, message) => {
    expect(() => parseAwsProviderConfig(config)).toThrow(expect.objectContaining({ code: 'AWS_CONFIG_INVALID', field, message: expect.stringMatching(message) }));
  });
});

describe('templates the adapter could never launch are refused at import', () => {
  it('reports AWS_TEMPLATE_INVALID with the template and the key on the import line, and stores the others', async () => {
    const hf = createTestHostFactory({ provider: new AwsEc2Provider(new EC2Client({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }), { kernelError: KernelError }) });
    try {
      const base = { maxNumber: 4, attributes: { type: ['String', 'X86_64'], ncpus: ['Numeric', '2'], nram: ['Numeric', '1024'] }, vmType: 't3.micro', imageId: 'ami-12345678' };
      const { templates } = await hf.commands.execute(
        ImportTemplates.from({ document: { templates: [{ ...base, templateId: 'good' }, { ...base, templateId: 'bad', providerApi: 'EC2Fleet', fleetTopUpAttempts: 9 }] } }),
      );
      expect(templates).toEqual([
        { templateId: 'good', action: 'created', version: 1 },
        expect.objectContaining({ templateId: 'bad', action: 'failed', code: 'AWS_TEMPLATE_INVALID', message: expect.stringMatching(/fleetTopUpAttempts must be a whole number from 0 to 5/) }),
      ]);
    } finally {
      hf.dispose();
    }
  });
});

describe('template keys the adapter reads', () => {
  it.each<[Partial<TemplateInput>, string]>([
    [{ providerApi: 'AutoScaling' }, 'providerApi'],
    [{ imageId: null }, 'imageId'],
    [{ providerApi: 'RunInstances', vmType: null, vmTypes: { 'm5.large': 1, 'c5.large': 1 } }, 'vmTypes'],
    [{ providerApi: 'EC2Fleet', fleetType: 'maintain' }, 'fleetType'],
    [{ providerApi: 'SpotFleet', priceType: 'spot', vmTypes: { 'm5.large': 1 } }, 'fleetRole'],
    [{ providerApi: 'EC2Fleet', fleetTopUpAttempts: 6 } as never, 'fleetTopUpAttempts'],
    [{ providerApi: 'EC2Fleet', fleetTopUpAttempts: 1.5 } as never, 'fleetTopUpAttempts'],
    [{ providerApi: 'RunInstances', fleetTopUpAttempts: 1 } as never, 'fleetTopUpAttempts'],
    [{ providerApi: 'EC2Fleet', fleetTopUpOnDemand: 'yes' } as never, 'fleetTopUpOnDemand'],
  ])('refuses %j with AWS_TEMPLATE_INVALID naming the key', (overrides, field) => {
    const template = sampleTemplateSnapshot({ imageId: 'ami-12345678', ...overrides });
    expect(() => launchSettings(template)).toThrow(expect.objectContaining({ code: 'AWS_TEMPLATE_INVALID', field }));
  });

  it('reads weights, the on-demand share, spot price and the root volume', () => {
    const settings = launchSettings(sampleTemplateSnapshot({
      imageId: 'ami-12345678', providerApi: 'EC2Fleet', priceType: 'heterogeneous', vmType: null, vmTypes: { 'm5.large': 1, 'm5.2xlarge': 4 },
      percentOnDemand: 25, maxSpotPrice: '0.2', rootDeviceVolumeSize: 50, volumeType: 'io2', iops: 3000, userData: '#!/bin/sh\necho hi',
    }));
    expect(settings).toMatchObject({
      api: 'EC2Fleet', instanceTypes: { 'm5.large': 1, 'm5.2xlarge': 4 }, percentOnDemand: 25, maxSpotPrice: '0.2',
      rootVolume: { size: 50, type: 'io2', iops: 3000 }, fleetType: 'instant', userData: Buffer.from('#!/bin/sh\necho hi').toString('base64'),
    });
    expect(launchSettings(sampleTemplateSnapshot({ imageId: 'ami-12345678' })).api).toBe('RunInstances');
  });

  it('derives one client token per request and call, within EC2\'s 64 characters', () => {
    const token = clientToken('req-1', 'RunInstances:subnet-a');
    expect(token).toBe(clientToken('req-1', 'RunInstances:subnet-a'));
    expect(token).not.toBe(clientToken('req-2', 'RunInstances:subnet-a'));
    expect(token).not.toBe(clientToken('req-1', 'RunInstances:subnet-b'));
    expect(token.length).toBeLessThanOrEqual(64);
  });
});

describe('the user data an instance receives (IBM\'s AWS plug-in style)', () => {
  const decode = (base64: string | null) => (base64 === null ? null : Buffer.from(base64, 'base64').toString('utf8'));
  const template = (userData?: string) => sampleTemplateSnapshot({ imageId: 'ami-12345678', templateId: 'Template-1', ...(userData === undefined ? {} : { userData }) });

  it('exports the template\'s k=v;k=v, the rc_account, the template id and each request value, single-quoted', () => {
    const script = decode(renderUserData({ template: template('zone=us_west_2a;tier=gold'), rcAccount: 'proj-7', userData: { LSF_JOB_ID: '4711', SLOTS: 4, quote: "it's; $(rm -rf /)" } }));
    expect(script).toBe(
      [
        '#!/bin/bash',
        "export zone='us_west_2a'",
        "export tier='gold'",
        "export rc_account='proj-7'",
        "export template_id='Template-1'",
        "export LSF_JOB_ID='4711'",
        "export SLOTS='4'",
        "export quote='it'\\''s; $(rm -rf /)'",
        '',
      ].join('\n'),
    );
  });

  it('keeps a template script, inserting the exports after its #! line; passes it unchanged when the request has no values; a string userData is HF_USER_DATA', () => {
    expect(decode(renderUserData({ template: template('#!/bin/sh\necho hi'), userData: 'raw text' }))).toBe("#!/bin/sh\nexport template_id='Template-1'\nexport HF_USER_DATA='raw text'\necho hi");
    expect(decode(renderUserData({ template: template('#!/bin/sh\necho hi') }))).toBe('#!/bin/sh\necho hi');
    expect(renderUserData({ template: template() })).toBeNull();
  });

  it('refuses a template userData that is neither k=v;k=v nor a script, and a result past EC2\'s 16 KiB', () => {
    expect(() => renderUserData({ template: template('bad key=1'), rcAccount: 'a' })).toThrow(expect.objectContaining({ code: 'AWS_TEMPLATE_INVALID', field: 'userData' }));
    expect(() => renderUserData({ template: template('a=1'), userData: { BIG: 'x'.repeat(16_400) } })).toThrow(/EC2 takes at most 16384/);
  });
});

describe('awsprov_config.json with the keys IBM\'s AWS plug-in documents', () => {
  const ibm = {
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: 'https://ec2.us-east-1.amazonaws.com:443',
    AWS_CREDENTIAL_FILE: '/home/aws/credentials',
    AWS_REQUEST_RETRY_ATTEMPTS: 2,
    AWS_CONNECTION_TIMEOUT_MS: 5000,
    AWS_INSTANCE_PENDING_TIMEOUT_SEC: 300,
    ACCEPT_PROPAGATED_LOG_SETTING: 'true',
  };

  it('maps them onto the SDK: region, endpoint, credentials from the file, retries + 1 attempts, the connection timeout', async () => {
    const config = parseAwsProviderConfig(ibm);
    expect(config).toEqual({ region: 'us-east-1', endpoint: 'https://ec2.us-east-1.amazonaws.com:443', credentialFile: '/home/aws/credentials', maxAttempts: 3, connectionTimeoutMs: 5000, pendingTimeoutSeconds: 300 });
    const settings = clientSettings(config);
    expect(settings).toMatchObject({ region: 'us-east-1', endpoint: 'https://ec2.us-east-1.amazonaws.com:443', maxAttempts: 3, requestHandler: { connectionTimeout: 5000 } });
    expect(typeof settings.credentials).toBe('function');
  });

  it('reads credentials from AWS_CREDENTIAL_FILE', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hf-awscreds-'));
    try {
      writeFileSync(join(dir, 'credentials'), '[default]\naws_access_key_id=AKIDFROMFILE\naws_secret_access_key=from-file\n');
      const settings = clientSettings(parseAwsProviderConfig({ AWS_REGION: 'us-east-1', AWS_CREDENTIAL_FILE: join(dir, 'credentials') }));
      const credentials = await (settings.credentials as () => Promise<{ accessKeyId: string }>)();
      expect(credentials.accessKeyId).toBe('AKIDFROMFILE');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an unknown key, a proxy key and a bad value, naming the key', () => {
    const refused = (value: unknown, field: string, message: RegExp) => {
      expect(() => parseAwsProviderConfig(value)).toThrow(expect.objectContaining({ code: 'AWS_CONFIG_INVALID', field }));
      expect(() => parseAwsProviderConfig(value)).toThrow(message);
    };
    refused({ ...ibm, AWS_SECRET_SAUCE: 1 }, 'AWS_SECRET_SAUCE', /AWS_SECRET_SAUCE is not a setting \(known: .*IBM's AWS_REGION/);
    refused({ ...ibm, AWS_PROXY_HOST: 'proxy' }, 'AWS_PROXY_HOST', /AWS_PROXY_HOST is not supported by this example/);
    refused({ ...ibm, AWS_REQUEST_RETRY_ATTEMPTS: 11 }, 'AWS_REQUEST_RETRY_ATTEMPTS', /must be an integer from 0 to 10 \(IBM's awsprov_config.json key\)/);
    refused({ ...ibm, AWS_INSTANCE_PENDING_TIMEOUT_SEC: 60 }, 'AWS_INSTANCE_PENDING_TIMEOUT_SEC', /from 180 to 10000/);
    refused({ ...ibm, AWS_CREDENTIAL_FILE: 'relative/credentials' }, 'AWS_CREDENTIAL_FILE', /must be an absolute path/);
    refused({ ...ibm, region: 'eu-west-1' }, 'AWS_REGION', /AWS_REGION and region set the same thing/);
    // Every documented key takes effect or is refused: none is accepted and ignored.
    refused({ ...ibm, AWS_DESCRIBE_REQUEST_RETRY_ATTEMPTS: 1 }, 'AWS_DESCRIBE_REQUEST_RETRY_ATTEMPTS', /is not supported: describe calls retry with every other call \(set AWS_REQUEST_RETRY_ATTEMPTS\)/);
    refused({ ...ibm, AWS_DESCRIBE_REQUEST_INTERVAL: 100 }, 'AWS_DESCRIBE_REQUEST_INTERVAL', /is not supported: the SDK spaces retries/);
    refused({ ...ibm, AWS_KEY_FILE: '/home/aws/' }, 'AWS_KEY_FILE', /is not used: this provider never reads key pair files/);
    refused({ ...ibm, ACCEPT_PROPAGATED_LOG_SETTING: 'false' }, 'ACCEPT_PROPAGATED_LOG_SETTING', /must be true here: this provider always logs at the host factory's HF_LOGLEVEL/);
    // A value is described, never quoted (the file may sit next to secrets).
    expect(() => parseAwsProviderConfig({ endpoint: 'ftp://user:hunter2@host' })).toThrow(/endpoint must be an http\(s\) URL, got a string of 23 characters$/);
  });
});
