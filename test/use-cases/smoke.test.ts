import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { createHostFactory, CreateTemplate, RequestMachines, SyncRequest, GetRequestStatus, ListTemplates, RequestReturnMachines, type ProviderPort } from '../../src/application';
import { createInMemoryStorage } from '../../src/testing';

function provider(): ProviderPort & { n: number } {
  const machines = new Map<string, { machineId: string; status: 'pending' | 'running' | 'terminated'; name: string }[]>();
  return {
    n: 0,
    async provision({ requestId, count }) {
      const list = Array.from({ length: count }, (_, i) => ({ machineId: `i-${requestId.slice(4, 8)}${i}`, status: 'pending' as const, name: `host-${i}` }));
      machines.set(requestId, list);
      return { resourceIds: [`fleet-${requestId.slice(4, 8)}`], machines: list };
    },
    async describe({ requestId, machineIds }) {
      const list = machines.get(requestId) ?? [...machines.values()].flat().filter((m) => machineIds.includes(m.machineId));
      for (const m of list) if (m.status === 'pending') m.status = 'running';
      return list.map((m) => ({ ...m }));
    },
    async terminate({ machineIds }) {
      for (const m of [...machines.values()].flat()) if (machineIds.includes(m.machineId)) m.status = 'terminated';
      return { accepted: [...machineIds], failed: [] };
    },
    async reclaimNotices() {
      return [];
    },
  };
}

describe('smoke', () => {
  it('runs the lifecycle', async () => {
    const hf = createHostFactory({ storage: createInMemoryStorage(), provider: provider() });
    await hf.commands.execute(
      CreateTemplate.from({ template: { templateId: 'small', maxNumber: 10, attributes: { type: ['String', 'X86_64'], ncpus: ['Numeric', '2'], nram: ['Numeric', '4096'] }, vmType: 't3.small' } }),
    );
    const templates = await hf.queries.execute(ListTemplates.from({}));
    expect(templates[0]?.availableNumber).toBe(10);
    const { requestId } = await hf.commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 3 }));
    let status = await hf.queries.execute(GetRequestStatus.from({ requestId }));
    expect(status.status).toBe('in_progress');
    expect(status.machines).toHaveLength(3);
    await hf.commands.execute(SyncRequest.from({ requestId }));
    status = await hf.queries.execute(GetRequestStatus.from({ requestId }));
    expect(status.status).toBe('completed');
    expect(status.machines.map((m) => m.result)).toEqual(['succeed', 'succeed', 'succeed']);
    expect((await hf.queries.execute(ListTemplates.from({})))[0]?.availableNumber).toBe(7);
    const ret = await hf.commands.execute(RequestReturnMachines.from({ machines: [{ name: 'host-0' }, { name: 'nope' }] }));
    expect(ret.notFound).toEqual(['nope']);
    await hf.commands.execute(SyncRequest.from({ requestId: ret.requestId }));
    const r = await hf.queries.execute(GetRequestStatus.from({ requestId: ret.requestId }));
    expect(r.status).toBe('completed');
    expect(r.machines[0]?.result).toBe('succeed');
    hf.dispose();
  });
});
