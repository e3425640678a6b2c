import { describe, expect, it } from 'vitest';
import { CreateTemplate, RequestMachines, SyncRequest } from 'hostfactory-kernel';
import { createTestHostFactory } from 'hostfactory-kernel/testing';
import { AwsEc2Provider } from '../aws-provider';
import { fleetTemplateInput, motoClient, motoForTests } from './support';

const moto = await motoForTests();

/** The part of an SDK middleware used here. */
type Middleware = (next: (args: { input: Record<string, unknown> }) => Promise<unknown>) => (args: { input: Record<string, unknown> }) => Promise<unknown>;

describe.skipIf(moto.skip)('a fleet that delivers fewer units than asked', () => {
  if (moto.skip) return;
  const { network, server } = moto;

  it('settles the request as partial with the missing slots failed, instead of waiting for its deadline', async () => {
    const client = motoClient(server.endpoint);
    // EC2 short of capacity: the fleet EC2 runs gets one unit less than the adapter asked for.
    const shortOfCapacity: Middleware = (next) => async (args) => {
      const target = args.input.TargetCapacitySpecification as { TotalTargetCapacity: number; OnDemandTargetCapacity: number; SpotTargetCapacity: number } | undefined;
      if (target !== undefined) {
        target.TotalTargetCapacity -= 1;
        target.OnDemandTargetCapacity -= 1;
      }
      return next(args);
    };
    client.middlewareStack.add(shortOfCapacity as never, { step: 'initialize', name: 'testShortOfCapacity' });
    const hf = createTestHostFactory({ provider: new AwsEc2Provider(client), ids: { uuid: () => crypto.randomUUID() } });
    try {
      await hf.commands.execute(CreateTemplate.from({ template: fleetTemplateInput(network, 'aws-short') }));
      const { requestId } = await hf.commands.execute(RequestMachines.from({ templateId: 'aws-short', machineCount: 3 }));
      let request = await hf.commands.execute(SyncRequest.from({ requestId }));
      for (let i = 0; i < 5 && request.status === 'in_progress'; i += 1) request = await hf.commands.execute(SyncRequest.from({ requestId }));
      expect(request.status).toBe('partial');
      expect(request.statusMessage).toMatch(/2 of 3 requested/);
      expect(request.statusMessage).toMatch(/delivered 2 of 3 units/);
      expect(request.machineIds).toHaveLength(3);
      expect(request.machineIds.filter((id) => id.includes('-unfulfilled-'))).toHaveLength(1);
    } finally {
      hf.dispose();
      client.destroy();
    }
  });
});
