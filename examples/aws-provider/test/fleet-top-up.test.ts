import { describe, expect, it } from 'vitest';
import { CreateTemplate, RequestMachines, SyncRequest, type RequestDto } from 'hostfactory-kernel';
import { createTestHostFactory } from 'hostfactory-kernel/testing';
import { AwsEc2Provider } from '../aws-provider';
import { fleetTemplateInput, motoClient, motoForTests } from './support';

const moto = await motoForTests();

type Target = { TotalTargetCapacity: number; OnDemandTargetCapacity: number; SpotTargetCapacity: number; DefaultTargetCapacityType: string };
type Args = { input: Record<string, unknown> };
/** The part of an SDK middleware used here. */
type Middleware = (next: (args: Args) => Promise<unknown>) => (args: Args) => Promise<unknown>;

/**
 * EC2 short of capacity, as moto cannot be: `shorten(target, call)` changes the target of the
 * `call`-th CreateFleet (1-based) before moto sees it, so the fleet runs with fewer units than the
 * adapter asked for. Returns the targets the adapter asked for, in order.
 */
function shortOfCapacity(client: ReturnType<typeof motoClient>, shorten: (target: Target, call: number) => void): Target[] {
  const asked: Target[] = [];
  const middleware: Middleware = (next) => async (args) => {
    const target = args.input.TargetCapacitySpecification as Target | undefined;
    if (target !== undefined) {
      asked.push({ ...target });
      shorten(target, asked.length);
    }
    return next(args);
  };
  client.middlewareStack.add(middleware as never, { step: 'initialize', name: 'testShortOfCapacity' });
  return asked;
}

describe.skipIf(moto.skip)('a fleet that comes up short is topped up (fleetTopUpAttempts, fleetTopUpOnDemand)', () => {
  if (moto.skip) return;
  const { network, server } = moto;

  async function run(template: Record<string, unknown>, count: number, shorten: (target: Target, call: number) => void): Promise<{ request: RequestDto; asked: Target[] }> {
    const client = motoClient(server.endpoint);
    const asked = shortOfCapacity(client, shorten);
    const hf = createTestHostFactory({ provider: new AwsEc2Provider(client), ids: { uuid: () => crypto.randomUUID() } });
    try {
      await hf.commands.execute(CreateTemplate.from({ template: fleetTemplateInput(network, 'aws-top-up', template) }));
      const { requestId } = await hf.commands.execute(RequestMachines.from({ templateId: 'aws-top-up', machineCount: count }));
      let request = await hf.commands.execute(SyncRequest.from({ requestId }));
      for (let i = 0; i < 8 && request.status === 'in_progress'; i += 1) request = await hf.commands.execute(SyncRequest.from({ requestId }));
      return { request, asked };
    } finally {
      hf.dispose();
      client.destroy();
    }
  }

  const short = (by: number) => (t: Target) => {
    t.TotalTargetCapacity -= by;
    if (t.DefaultTargetCapacityType === 'spot') t.SpotTargetCapacity -= by;
    else t.OnDemandTargetCapacity -= by;
  };

  it('tops up the missing units with a second fleet, and the request completes', async () => {
    const { request, asked } = await run({ fleetTopUpAttempts: 2 }, 3, (t, call) => call === 1 && short(1)(t));
    expect(request.status).toBe('completed');
    expect(request.machineIds).toHaveLength(3);
    expect(request.machineIds.some((id) => id.includes('-unfulfilled-'))).toBe(false);
    expect(asked.map((t) => t.TotalTargetCapacity)).toEqual([3, 1]);
  });

  it('stops after the attempts allowed and reports the shortfall as failed slots: the request is partial', async () => {
    const { request, asked } = await run({ fleetTopUpAttempts: 1 }, 4, (t) => short(Math.ceil(t.TotalTargetCapacity / 2))(t));
    expect(asked.map((t) => t.TotalTargetCapacity)).toEqual([4, 2]);
    expect(request.status).toBe('partial');
    expect(request.statusMessage).toMatch(/3 of 4 requested/);
    expect(request.statusMessage).toMatch(/fleets delivered 3 of 4 units after 1 top-up\(s\) of 1 allowed/);
    expect(request.machineIds.filter((id) => id.includes('-unfulfilled-'))).toHaveLength(1);
  });

  it('a spot fleet short of spot capacity is topped up on-demand when the template allows it', async () => {
    const { request, asked } = await run({ priceType: 'spot', fleetTopUpAttempts: 1, fleetTopUpOnDemand: true }, 3, (t) => t.DefaultTargetCapacityType === 'spot' && short(1)(t));
    expect(asked.map((t) => [t.TotalTargetCapacity, t.DefaultTargetCapacityType, t.OnDemandTargetCapacity])).toEqual([[3, 'spot', 0], [1, 'on-demand', 1]]);
    expect(request.status).toBe('completed');
    expect(request.machineIds).toHaveLength(3);
  });

  it('without fleetTopUpOnDemand the top-up of a spot fleet stays spot', async () => {
    const { request, asked } = await run({ priceType: 'spot', fleetTopUpAttempts: 1 }, 3, (t) => t.DefaultTargetCapacityType === 'spot' && t.TotalTargetCapacity > 1 && short(1)(t));
    expect(asked.map((t) => t.DefaultTargetCapacityType)).toEqual(['spot', 'spot']);
    expect(request.status).toBe('completed');
    expect(request.machineIds).toHaveLength(3);
  });

  it('refuses a template with a bad top-up setting before launching anything', async () => {
    const client = motoClient(server.endpoint);
    const asked = shortOfCapacity(client, () => undefined);
    const provider = new AwsEc2Provider(client);
    const template = { templateId: 'bad', priceType: 'ondemand', providerApi: 'EC2Fleet', vmTypes: { 't3.micro': 1 }, imageId: network.imageId } as const;
    const { sampleTemplateSnapshot } = await import('hostfactory-kernel/testing');
    for (const [config, message] of [
      [{ fleetTopUpAttempts: 9 }, /fleetTopUpAttempts must be a whole number from 0 to 5, got 9/],
      [{ fleetTopUpOnDemand: 'yes' }, /fleetTopUpOnDemand must be true or false/],
    ] as const) {
      await expect(provider.provision({ requestId: `req-${crypto.randomUUID()}`, template: sampleTemplateSnapshot({ ...template, ...config } as never), count: 1, tags: {} })).rejects.toThrow(message);
    }
    await expect(
      provider.provision({ requestId: `req-${crypto.randomUUID()}`, template: sampleTemplateSnapshot({ templateId: 'ri', vmType: 't3.micro', imageId: network.imageId, providerApi: 'RunInstances', fleetTopUpAttempts: 1 } as never), count: 1, tags: {} }),
    ).rejects.toThrow(/fleetTopUpAttempts applies to EC2Fleet and SpotFleet only/);
    expect(asked).toEqual([]);
    client.destroy();
  });
});
