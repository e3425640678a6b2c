import { describe, expect, it } from 'vitest';
import { CreateTemplate, GetMachine, RequestMachines, SyncRequest, createHostFactory, type ProviderPort } from '../../src/index';
import { createInMemoryStorage, sequentialIds } from '../../src/testing/index';
import { hostileTextCases } from '../support/hostile-text';
import { templateInput } from '../support/templates';

describe('text from the cloud and from hosts, on the in-memory storage', () => {
  hostileTextCases(async () => createInMemoryStorage());

  it('records blank facts, blank resource ids, garbled addresses and launch times from the cloud as unknown instead of failing the sync', async () => {
    const blank = { machineId: 'i-1', status: 'running' as const, name: '  ', instanceType: '', cloudHostId: '\t', resourceId: ' ', privateIpAddress: '10.0.0.300', publicIpAddress: 'n/a\u0000', launchTime: new Date('garbage'), instanceTags: { '': 'x', team: 'a' } };
    const cloud: ProviderPort = {
      provision: async () => ({ resourceIds: ['', ' ', 'fleet-1'], machines: [blank] }),
      describe: async () => [blank],
      terminate: async ({ machineIds }) => ({ accepted: [...machineIds], failed: [] }),
      reclaimNotices: async () => [],
    };
    const hf = createHostFactory({ storage: createInMemoryStorage(), provider: cloud, ids: sequentialIds() });
    try {
      await hf.commands.execute(CreateTemplate.from({ template: templateInput() }));
      const { requestId } = await hf.commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 1 }));
      const done = await hf.commands.execute(SyncRequest.from({ requestId }));
      expect({ status: done.status, resourceIds: done.resourceIds }).toEqual({ status: 'completed', resourceIds: ['fleet-1'] });
      const machine = await hf.queries.execute(GetMachine.from({ machineId: 'i-1' }));
      expect([machine.name, machine.instanceType, machine.cloudHostId, machine.resourceId, machine.privateIpAddress, machine.publicIpAddress, machine.launchTime]).toEqual([null, null, null, null, null, null, null]);
      expect(machine.instanceTags).toEqual({ team: 'a' });
    } finally {
      hf.dispose();
    }
  });
});
