import { DescribeInstancesCommand, TerminateInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScriptResult, SymphonyDriver } from '../../symphony-provider/driver';
import { REQUEST_TAG, TEMPLATE_TAG } from '../tags';
import { motoForTests } from './support';
import { awsDriver, buildSymphonyScripts, symphonyTemplates } from './symphony-scripts';

const moto = await motoForTests();
/** Each script call is a new Node process loading the AWS SDK (about a second on a busy machine); a cycle makes a dozen. */
const CYCLE_TIMEOUT_MS = 120_000;

interface WireMachine { machineId: string; name: string; result: string; status: string }
interface WireRequest { requestId: string; status: string; machines: WireMachine[] }

/** Instances EC2 has tagged with `key` = `value`, by id, with their state. */
async function ec2Instances(client: EC2Client, key: string, value: string): Promise<Map<string, { state: string; requestId: string }>> {
  const answer = await client.send(new DescribeInstancesCommand({ Filters: [{ Name: `tag:${key}`, Values: [value] }] }));
  const found = new Map<string, { state: string; requestId: string }>();
  for (const instance of (answer.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
    const requestId = instance.Tags?.find((t) => t.Key === REQUEST_TAG)?.Value ?? '';
    found.set(instance.InstanceId!, { state: instance.State!.Name!, requestId });
  }
  return found;
}

async function poll(driver: SymphonyDriver, requestId: string): Promise<WireRequest> {
  for (let attempt = 0; attempt < 60; attempt += 1) {
    const result = await driver.run('getRequestStatus', { requests: [{ requestId }] });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    const entry = (result.document.requests as WireRequest[])[0]!;
    if (entry.status !== 'running') return entry;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${requestId} never finished`);
}

function requestIdOf(result: ScriptResult): string {
  expect(result.exitCode, result.stdout + result.stderr).toBe(0);
  return result.document.requestId as string;
}

describe.skipIf(moto.skip)('the Symphony provider scripts on EC2 (moto_server), HF_PROVIDER_NAME=aws', () => {
  if (moto.skip) return;
  const { client, network, server } = moto;
  const { ids, file } = symphonyTemplates(network);
  let build: { scripts: string; dispose(): void };
  const drivers: SymphonyDriver[] = [];
  const driver = (env: Record<string, string> = {}): SymphonyDriver => {
    const d = awsDriver(build.scripts, server.endpoint, file, env);
    drivers.push(d);
    return d;
  };
  beforeAll(() => { build = buildSymphonyScripts(); }, 120_000);
  afterAll(() => {
    drivers.forEach((d) => d.dispose());
    build?.dispose();
  });

  for (const api of Object.keys(ids)) {
    it(`${api}: templates → request → complete → return by host name → complete; EC2 matches every step`, async () => {
      const d = driver();
      const offered = await d.run('getAvailableTemplates', {});
      expect((offered.document.templates as { templateId: string }[]).map((t) => t.templateId).sort()).toEqual(Object.values(ids).sort());

      const requestId = requestIdOf(await d.run('requestMachines', { template: { templateId: ids[api], machineCount: 2 } }));
      const acquired = await poll(d, requestId);
      expect(acquired.status).toBe('complete');
      const inEc2 = await ec2Instances(client, REQUEST_TAG, requestId);
      expect(acquired.machines.map((m) => m.machineId).sort()).toEqual([...inEc2.keys()].sort());
      expect(acquired.machines.every((m) => m.result === 'succeed' && m.name.endsWith('.ec2.internal'))).toBe(true);

      const returnId = requestIdOf(await d.run('requestReturnMachines', { machines: acquired.machines.map((m) => ({ name: m.name })) }));
      const released = await poll(d, returnId);
      expect(released.status).toBe('complete');
      expect(released.machines.map((m) => m.machineId).sort()).toEqual([...inEc2.keys()].sort());
      const after = await ec2Instances(client, REQUEST_TAG, requestId);
      expect([...after.values()].filter((i) => i.state === 'running' || i.state === 'pending')).toEqual([]);

      const wanted = await d.run('getReturnRequests', { machines: [] });
      const names = acquired.machines.map((m) => m.name);
      expect((wanted.document.requests as { machine: string }[]).filter((r) => names.includes(r.machine))).toEqual([]);
    }, CYCLE_TIMEOUT_MS);
  }

  it('an instance terminated in EC2 behind Symphony\'s back is asked back by getReturnRequests', async () => {
    const d = driver();
    const requestId = requestIdOf(await d.run('requestMachines', { template: { templateId: ids.RunInstances, machineCount: 2 } }));
    const acquired = await poll(d, requestId);
    expect(acquired.status).toBe('complete');
    const [gone, kept] = acquired.machines;
    await client.send(new TerminateInstancesCommand({ InstanceIds: [gone!.machineId] }));
    const wanted = await d.run('getReturnRequests', { machines: acquired.machines.map((m) => ({ name: m.name, machineId: m.machineId })) });
    expect(wanted.exitCode).toBe(0);
    const listed = wanted.document.requests as { machine: string; gracePeriod: number }[];
    expect(listed).toContainEqual({ machine: gone!.name, gracePeriod: 0 });
    expect(listed.some((r) => r.machine === kept!.name)).toBe(false);
  }, CYCLE_TIMEOUT_MS);

  it('a requestMachines killed right after EC2 launched: the next getRequestStatus attaches exactly those instances', async () => {
    const d = driver();
    const template = ids['EC2Fleet instant']!;
    const requestsOf = async (): Promise<Set<string>> => new Set([...(await ec2Instances(client, TEMPLATE_TAG, template)).values()].map((i) => i.requestId));
    const before = await requestsOf();
    const killed = await d.run('requestMachines', { template: { templateId: template, machineCount: 3 } }, {
      env: { NODE_OPTIONS: `--require ${new URL('./kill-after.cjs', import.meta.url).pathname}`, HF_TEST_KILL_AFTER: 'CreateFleetCommand' },
    });
    expect(killed.exitCode).not.toBe(0);
    expect(killed.stdout).toBe('');
    // The answer never reached Symphony; EC2's tags name the request the dead call launched for.
    const orphaned = [...(await requestsOf())].filter((id) => !before.has(id));
    expect(orphaned).toHaveLength(1);
    const requestId = orphaned[0]!;
    await new Promise((resolve) => setTimeout(resolve, 1600)); // one provider timeout (SIM_PROVIDER_TIMEOUT_MS)
    const settled = await poll(d, requestId);
    expect(settled.status).toBe('complete');
    const inEc2 = await ec2Instances(client, REQUEST_TAG, requestId);
    expect(settled.machines.map((m) => m.machineId).sort()).toEqual([...inEc2.keys()].sort());
    expect(inEc2.size).toBeGreaterThanOrEqual(2); // 3 units of t3.micro (weight 1) and t3.small (2): launched once
    expect(inEc2.size).toBeLessThanOrEqual(3);
  }, CYCLE_TIMEOUT_MS);
});
