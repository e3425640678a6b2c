import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, describe, expect, it } from 'vitest';
import { AWS_CONFIG_FILE, loadAwsProviderConfig } from '../config-file';
import { openAwsProvider } from '../index';
import { injectFaults, logAttempts, THROTTLED } from './faults';
import { motoClient, motoForTests, motoTemplate } from './support';

const moto = await motoForTests();
const newRequestId = (): string => `req-${crypto.randomUUID()}`;

/** Type-free access to the SDK's middleware stack (its types live in a transitive package). */
type Stack = { add(middleware: unknown, options: { step: string; name: string }): void };
const stack = (client: EC2Client) => client.middlewareStack as unknown as Stack;

/** The signed requests the client sends: `Authorization` header and host, as they leave. */
function wireLog(client: EC2Client): { authorization: string; host: string }[] {
  const sent: { authorization: string; host: string }[] = [];
  stack(client).add(
    (next: (args: unknown) => Promise<unknown>) => async (args: { request: { headers: Record<string, string>; hostname: string; port?: number } }) => {
      sent.push({ authorization: args.request.headers.authorization ?? '', host: `${args.request.hostname}:${args.request.port ?? ''}` });
      return next(args);
    },
    { step: 'deserialize', name: 'testWireLog' },
  );
  return sent;
}

describe.skipIf(moto.skip)('an awsprov_config.json written for IBM\'s AWS plug-in, on moto', () => {
  if (moto.skip) return;
  const { server, network } = moto;
  const dir = mkdtempSync(join(tmpdir(), 'hf-ibm-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'credentials'), '[default]\naws_access_key_id=AKIDIBMFILE\naws_secret_access_key=from-the-ibm-file\n');
  writeFileSync(
    join(dir, AWS_CONFIG_FILE),
    JSON.stringify({
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: server.endpoint,
      AWS_CREDENTIAL_FILE: join(dir, 'credentials'),
      AWS_REQUEST_RETRY_ATTEMPTS: 1,
      AWS_CONNECTION_TIMEOUT_MS: 4321,
      AWS_INSTANCE_PENDING_TIMEOUT_SEC: 180,
      ACCEPT_PROPAGATED_LOG_SETTING: true,
    }),
  );

  it('signs with AWS_CREDENTIAL_FILE\'s key, talks to AWS_ENDPOINT_URL, and sets the connection timeout on the client', async () => {
    const provider = openAwsProvider(loadAwsProviderConfig(dir));
    try {
      const sent = wireLog(provider.client);
      await provider.describe({ requestId: newRequestId(), resourceIds: [], machineIds: [] });
      expect(sent.length).toBeGreaterThan(0);
      for (const request of sent) {
        expect(request.authorization).toMatch(/Credential=AKIDIBMFILE\/\d{8}\/us-east-1\/ec2\//);
        expect(request.host).toBe(`${new URL(server.endpoint).hostname}:${new URL(server.endpoint).port}`);
      }
      const handler = provider.client.config.requestHandler as unknown as { configProvider?: Promise<{ connectionTimeout?: number }> };
      expect((await handler.configProvider)?.connectionTimeout).toBe(4321);
    } finally {
      provider.close();
    }
  });

  it('retries a throttled call AWS_REQUEST_RETRY_ATTEMPTS times, no more', async () => {
    for (const [faults, succeeds] of [[1, true], [2, false]] as const) {
      const provider = openAwsProvider(loadAwsProviderConfig(dir));
      try {
        const attempts = logAttempts(provider.client);
        injectFaults(provider.client, 'DescribeInstancesCommand', Array.from({ length: faults }, () => THROTTLED));
        const described = provider.describe({ requestId: newRequestId(), resourceIds: [], machineIds: [] });
        if (succeeds) await described;
        else await expect(described).rejects.toThrow(/RequestLimitExceeded/);
        expect(attempts.get('DescribeInstancesCommand'), `${faults} fault(s)`).toBe(2);
      } finally {
        provider.close();
      }
    }
  });

  it('terminates an instance pending longer than AWS_INSTANCE_PENDING_TIMEOUT_SEC and reports it failed', async () => {
    const provider = openAwsProvider(loadAwsProviderConfig(dir));
    const check = motoClient(server.endpoint);
    try {
      const requestId = newRequestId();
      const { machines } = await provider.provision({ requestId, template: motoTemplate(network), count: 1, tags: {} });
      const machineId = machines[0]!.machineId;
      // moto starts instances running at once: EC2's answer is rewritten to an instance launched an
      // hour ago and still pending, as EC2 shows a launch that hangs.
      stack(provider.client).add(
        (next: (args: unknown) => Promise<{ output: { Reservations?: { Instances?: Record<string, unknown>[] }[] } }>, context: { commandName?: string }) => async (args: unknown) => {
          const result = await next(args);
          if (context.commandName !== 'DescribeInstancesCommand') return result;
          for (const instance of (result.output.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
            if (instance.InstanceId === machineId) Object.assign(instance, { State: { Name: 'pending', Code: 0 }, LaunchTime: new Date(Date.now() - 3_600_000) });
          }
          return result;
        },
        { step: 'initialize', name: 'testHangingLaunch' },
      );
      const [reported] = await provider.describe({ requestId, resourceIds: [], machineIds: [machineId] });
      expect(reported).toMatchObject({ machineId, status: 'failed' });
      expect(reported!.statusReason).toMatch(/stayed pending longer than 180 s \(AWS_INSTANCE_PENDING_TIMEOUT_SEC\) and was terminated/);
      const inEc2 = await check.send(new DescribeInstancesCommand({ InstanceIds: [machineId] }));
      expect(['shutting-down', 'terminated']).toContain(inEc2.Reservations?.[0]?.Instances?.[0]?.State?.Name);
    } finally {
      provider.close();
      check.destroy();
    }
  });
});
