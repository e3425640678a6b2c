import { afterEach, describe, expect, it } from 'vitest';
import { GetReturnRequests, ListReturnRequests } from '../../src/application/requests/request.queries';
import { RequestReturnMachines, SyncReclaimNotices } from '../../src/application/requests/request.commands';
import { createInMemoryStorage, FakeProvider, ManualClock, type TestHostFactory } from '../../src/testing';
import type { ProviderMachine, ProviderPort } from '../../src/application/provider/provider.port';
import { rejection, request, status, sync, withTemplate } from './support';

let hf: TestHostFactory;
afterEach(() => hf?.dispose());

async function running(count: number) {
  hf = await withTemplate();
  const requestId = await request(hf, count);
  const acquired = await sync(hf, requestId);
  return acquired.machines;
}

describe('RequestReturnMachines', () => {
  it('returns machines by id and completes once the cloud terminated them', async () => {
    const machines = await running(2);
    const ret = await hf.commands.execute(RequestReturnMachines.from({ machines: machines.map((m) => ({ machineId: m.machineId, name: m.name })) }));
    expect(ret.requestId).toMatch(/^ret-/);
    expect(ret.notFound).toEqual([]);
    expect((await status(hf, ret.requestId)).machines.map((m) => m.result)).toEqual(['executing', 'executing']);
    const done = await sync(hf, ret.requestId);
    expect(done.status).toBe('completed');
    expect(done.machines.map((m) => [m.status, m.result])).toEqual([
      ['terminated', 'succeed'],
      ['terminated', 'succeed'],
    ]);
    expect(hf.fake!.terminateCount(machines[0]!.machineId)).toBe(1);
  });

  it('resolves machines by host name and reports unknown names', async () => {
    const machines = await running(2);
    const ret = await hf.commands.execute(RequestReturnMachines.from({ machines: [{ name: machines[1]!.name }, { name: 'ghost.example' }] }));
    expect(ret.notFound).toEqual(['ghost.example']);
    const done = await sync(hf, ret.requestId);
    expect(done.machineIds).toEqual([machines[1]!.machineId]);
  });

  it('claims a machine named twice in one return (by id and by host name) once', async () => {
    const [machine] = await running(1);
    const ret = await hf.commands.execute(RequestReturnMachines.from({ machines: [{ machineId: machine!.machineId }, { name: machine!.name }] }));
    expect(ret).toMatchObject({ notFound: [], alreadyReturning: [] });
    const done = await sync(hf, ret.requestId);
    expect(done.machineIds).toEqual([machine!.machineId]);
    expect(hf.fake!.terminateCount(machine!.machineId)).toBe(1);
  });

  it('returns the live machine by a host name the cloud reused from a terminated one', async () => {
    const clock = new ManualClock();
    const fake = new FakeProvider({ clock });
    const reused = (machines: readonly ProviderMachine[]) => machines.map((m) => ({ ...m, name: 'reused.example' }));
    const provider: ProviderPort = {
      provision: async (input) => {
        const result = await fake.provision(input);
        return { ...result, machines: reused(result.machines) };
      },
      describe: async (input) => reused(await fake.describe(input)),
      terminate: (input) => fake.terminate(input),
      reclaimNotices: () => fake.reclaimNotices(),
    };
    try {
      hf = await withTemplate({}, { provider, clock });
      const [old] = (await sync(hf, await request(hf, 1))).machines;
      const first = await hf.commands.execute(RequestReturnMachines.from({ machines: [{ machineId: old!.machineId }] }));
      expect((await sync(hf, first.requestId)).status).toBe('completed');
      const [live] = (await sync(hf, await request(hf, 1))).machines;
      expect([old!.name, live!.name]).toEqual(['reused.example', 'reused.example']);
      const second = await hf.commands.execute(RequestReturnMachines.from({ machines: [{ name: 'reused.example' }] }));
      expect(second.notFound).toEqual([]);
      expect((await sync(hf, second.requestId)).machineIds).toEqual([live!.machineId]);
    } finally {
      fake.dispose();
    }
  });

  it('refuses more machines than limits.maxMachinesPerReturn as VALIDATION_FAILED naming machines', async () => {
    hf = await withTemplate({}, { limits: { maxMachinesPerReturn: 2 } });
    const error = await rejection(hf.commands.execute(RequestReturnMachines.from({ machines: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] })));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.details).toMatchObject({ subject: 'return request', issues: [{ path: 'machines', constraint: 'arrayMaxSize' }] });
  });

  it('answers a second return of the same machines with the open request, terminating once', async () => {
    const machines = await running(1);
    hf.fake!.script({ templateId: 'small' }, { terminateAfterSyncs: 3 });
    const refs = { machines: [{ name: machines[0]!.name }] };
    const first = await hf.commands.execute(RequestReturnMachines.from(refs));
    const second = await hf.commands.execute(RequestReturnMachines.from(refs));
    expect(second.requestId).toBe(first.requestId);
    expect(second.alreadyReturning).toEqual([machines[0]!.name]);
    expect(hf.fake!.terminateCount(machines[0]!.machineId)).toBe(1);
  });

  it('refuses when none of the machines is active, creating nothing', async () => {
    await running(1);
    const before = await hf.storage.eventLog.head();
    const error = await rejection(hf.commands.execute(RequestReturnMachines.from({ machines: [{ name: 'nobody' }] })));
    expect(error.code).toBe('MACHINE_NOT_FOUND');
    expect(error.message).toContain('nobody');
    expect(await hf.storage.eventLog.head()).toBe(before);
  });

  it('claims each machine once when two returns race', async () => {
    const machines = await running(3);
    const refs = { machines: machines.map((m) => ({ machineId: m.machineId })) };
    const [a, b] = await Promise.all([
      hf.commands.execute(RequestReturnMachines.from(refs)),
      hf.commands.execute(RequestReturnMachines.from(refs)),
    ]);
    expect(a.requestId).toBe(b.requestId);
    for (const machine of machines) expect(hf.fake!.terminateCount(machine.machineId)).toBe(1);
    const page = await hf.queries.execute(ListReturnRequests.from({}));
    expect(page.total).toBe(1);
  });

  it('ends partial when the cloud refuses some terminations, each explained', async () => {
    const machines = await running(2);
    hf.fake!.script({ templateId: 'small' }, { refuseTerminate: { machineIds: [machines[0]!.machineId], message: 'termination protection is on' } });
    const ret = await hf.commands.execute(RequestReturnMachines.from({ machines: machines.map((m) => ({ machineId: m.machineId })) }));
    const done = await sync(hf, ret.requestId);
    expect(done.status).toBe('partial');
    const refused = done.machines.find((m) => m.machineId === machines[0]!.machineId);
    expect(refused?.result).toBe('fail');
    expect(refused?.message).toContain('termination protection');
  });

  it('writes once when the cloud accepts every termination: the claim, and no transaction after terminate', async () => {
    const memory = createInMemoryStorage();
    let transactions = 0;
    const storage = { ...memory, unitOfWork: { transaction: ((work) => ((transactions += 1), memory.unitOfWork.transaction(work))) as typeof memory.unitOfWork.transaction } };
    hf = await withTemplate({}, { storage });
    const acquired = await sync(hf, await request(hf, 2));
    transactions = 0;
    const ret = await hf.commands.execute(RequestReturnMachines.from({ machines: acquired.machines.map((m) => ({ machineId: m.machineId })) }));
    expect(transactions).toBe(1);
    expect(hf.fake!.callsTo('terminate').map((c) => c.input)).toEqual([{ requestId: ret.requestId, machineIds: acquired.machineIds }]);
  });

  it('fails the return request when terminate throws, so the machines can be returned again', async () => {
    const machines = await running(1);
    hf.fake!.script({ templateId: 'small' }, { throwAt: { terminate: 'API unavailable' } });
    const error = await rejection(hf.commands.execute(RequestReturnMachines.from({ machines: [{ machineId: machines[0]!.machineId }] })));
    expect(error.code).toBe('PROVIDER_ERROR');
    expect(error.message).toContain('The provider failed in terminate: API unavailable');
    const failed = await status(hf, error.details?.requestId as string);
    expect(failed.status).toBe('failed');
    hf.fake!.script({ templateId: 'small' }, { throwAt: {} });
    const again = await hf.commands.execute(RequestReturnMachines.from({ machines: [{ machineId: machines[0]!.machineId }] }));
    expect(again.requestId).not.toBe(failed.requestId);
  });
});

describe('reclaim notices', () => {
  it('lists spot interruptions and machines terminated behind the caller’s back', async () => {
    const machines = await running(2);
    hf.fake!.reclaim(machines[0]!.machineId, { gracePeriod: 120, reason: 'spot interruption' });
    hf.fake!.kill(machines[1]!.machineId);
    const held = { machines: machines.map((m) => ({ name: m.name })) };
    const synced = await hf.commands.execute(SyncReclaimNotices.from(held));
    expect(synced).toEqual({ notices: 1, refreshed: 1 });
    const wanted = await hf.queries.execute(GetReturnRequests.from({ machines: machines.map((m) => ({ name: m.name })) }));
    expect(wanted).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ machine: machines[0]!.name, gracePeriod: 120 }),
        expect.objectContaining({ machine: machines[1]!.name, gracePeriod: 0 }),
      ]),
    );
  });
});
