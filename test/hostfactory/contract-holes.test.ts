import { afterEach, describe, expect, it } from 'vitest';
import { CreateTemplate } from '../../src/application/templates/template.commands';
import { GetRequest } from '../../src/application/requests/request.queries';
import { type ProviderMachine, type ProviderPort } from '../../src/application/provider/provider.port';
import { type Storage } from '../../src/storage/storage';
import type { MachineStatus } from '../../src/domain/machine/machine-status';
import { createHostFactoryApi, type HostFactoryApi } from '../../src/hostfactory';
import { createInMemoryStorage, createTestHostFactory, FakeProvider, ManualClock, type TestHostFactory } from '../../src/testing';
import { templateInput } from '../support/templates';

let hf: TestHostFactory;
afterEach(() => hf?.dispose());

type Doc = Record<string, unknown> & { requests?: Record<string, unknown>[] };

async function ok(api: HostFactoryApi, operation: keyof HostFactoryApi, input: unknown): Promise<Doc> {
  const answer = await api[operation](input);
  expect(answer.exitCode, JSON.stringify(answer.document)).toBe(0);
  return answer.document as unknown as Doc;
}

async function open(template: Record<string, unknown>, provider?: (fake: FakeProvider) => ProviderPort, storage?: Storage): Promise<{ api: HostFactoryApi; fake: FakeProvider }> {
  const clock = new ManualClock();
  const fake = new FakeProvider({ clock });
  hf = createTestHostFactory({ clock, provider: provider === undefined ? fake : provider(fake), ...(storage === undefined ? {} : { storage }) });
  await hf.commands.execute(CreateTemplate.from({ template }));
  return { api: createHostFactoryApi(hf), fake };
}

/** The fake cloud, except that chosen machines are reported in another status, or not at all ("vanished"). */
function tamperedCloud(fake: FakeProvider, override: Map<string, MachineStatus | 'vanished'>): ProviderPort {
  return {
    provision: (input) => fake.provision(input),
    terminate: (input) => fake.terminate(input),
    reclaimNotices: () => fake.reclaimNotices(),
    describe: async (input) => {
      const reports: ProviderMachine[] = [];
      for (const report of await fake.describe(input)) {
        const status = override.get(report.machineId);
        if (status === 'vanished') continue;
        reports.push(status === undefined ? report : { ...report, status, statusReason: `${status} by the cloud` });
      }
      return reports;
    },
  };
}

describe('getReturnRequests (the wire operation)', () => {
  it('lists held hosts in every status the cloud took back, with grace period 0, and corrects their status', async () => {
    const override = new Map<string, MachineStatus | 'vanished'>();
    const { api, fake } = await open(templateInput(), (f) => tamperedCloud(f, override));
    const { requestId } = await ok(api, 'requestMachines', { template: { templateId: 'small', machineCount: 7 } });
    const acquired = await ok(api, 'getRequestStatus', { requests: [{ requestId }] });
    const held = (acquired.requests![0]!.machines as { machineId: string; name: string; result: string }[]);
    expect(held.map((m) => m.result)).toEqual(Array(7).fill('succeed'));

    const [killed, stopped, stopping, shuttingDown, unknown, vanished, healthy] = held.map((m) => m.machineId);
    fake.kill(killed!);
    override.set(stopped!, 'stopped').set(stopping!, 'stopping').set(shuttingDown!, 'shutting-down').set(unknown!, 'unknown').set(vanished!, 'vanished');

    const answer = await ok(api, 'getReturnRequests', { machines: held.map(({ name, machineId }) => ({ name, machineId })) });
    const listed = answer.requests as { machine: string; gracePeriod: number }[];
    const nameOf = (id: string) => held.find((m) => m.machineId === id)!.name;
    expect(listed.map((r) => r.machine).sort()).toEqual([killed, stopped, stopping, shuttingDown, unknown, vanished].map((id) => nameOf(id!)).sort());
    expect(listed.every((r) => r.gracePeriod === 0)).toBe(true);
    expect(listed.map((r) => r.machine)).not.toContain(nameOf(healthy!));

    const after = await ok(api, 'getRequestStatus', { requests: [{ requestId }] });
    const results = new Map((after.requests![0]!.machines as { machineId: string; status: string; result: string }[]).map((m) => [m.machineId, m]));
    expect(results.get(killed!)).toMatchObject({ status: 'terminated', result: 'fail' });
    expect(results.get(stopped!)).toMatchObject({ result: 'fail' });
    expect(results.get(vanished!)).toMatchObject({ status: 'terminated', result: 'fail' });
    expect(results.get(healthy!)).toMatchObject({ status: 'running', result: 'succeed' });
  });
});

describe('requestMachines when recording fails after the cloud accepted', () => {
  it('answers the request id, and the next getRequestStatus records the machines without provisioning again', async () => {
    const memory = createInMemoryStorage();
    let diskFull = false;
    const storage: Storage = {
      ...memory,
      unitOfWork: {
        transaction: (work) => (diskFull ? Promise.reject(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' })) : memory.unitOfWork.transaction(work)),
      },
    };
    const { api, fake } = await open(templateInput(), (f) => ({
      ...f,
      provision: async (input) => {
        const started = await f.provision(input);
        diskFull = true;
        return started;
      },
      describe: (input) => f.describe(input),
      terminate: (input) => f.terminate(input),
      reclaimNotices: () => f.reclaimNotices(),
    }), storage);

    const answer = await api.requestMachines({ template: { templateId: 'small', machineCount: 2 } });
    expect(answer.exitCode).toBe(0);
    const requestId = (answer.document as { requestId: string }).requestId;
    expect(requestId).toMatch(/^req-/);

    diskFull = false;
    const status = await ok(api, 'getRequestStatus', { requests: [{ requestId }] });
    expect((status.requests![0]!.machines as unknown[]).length).toBe(2);
    expect(fake.callsTo('provision')).toHaveLength(1);
    expect(fake.machines()).toHaveLength(2);
  });
});

describe('capacity of a weighted template', () => {
  it('never runs more units than maxNumber under 8 parallel requests of 1 unit on {"c5.2xlarge": 2}', async () => {
    const spot = templateInput({ templateId: 'spot2x', priceType: 'spot', vmType: undefined, vmTypes: { 'c5.2xlarge': 2 }, maxNumber: 10 });
    const { api, fake } = await open(spot);
    const answers = await Promise.all(Array.from({ length: 8 }, () => api.requestMachines({ template: { templateId: 'spot2x', machineCount: 1 } })));
    const accepted = answers.filter((a) => a.exitCode === 0).map((a) => (a.document as { requestId: string }).requestId);
    expect(accepted).toHaveLength(5);
    for (const rejected of answers.filter((a) => a.exitCode !== 0)) expect(JSON.stringify(rejected.document)).toContain('unit(s) of capacity left');
    await ok(api, 'getRequestStatus', { requests: accepted.map((requestId) => ({ requestId })) });
    const units = fake.machines().filter((m) => m.status === 'running' || m.status === 'pending').length * 2;
    expect(units).toBe(10);
    const templates = (await ok(api, 'getAvailableTemplates', {})).templates as { templateId: string; availableNumber: number }[];
    expect(templates.find((t) => t.templateId === 'spot2x')!.availableNumber).toBe(0);
  });
});

describe('a request with 1 running and 1 failed machine of 2', () => {
  it('is partial (complete_with_error with one succeed and one fail), not failed', async () => {
    const { api, fake } = await open(templateInput());
    fake.script({ templateId: 'small' }, { fail: { machineIndexes: [1], message: 'InsufficientInstanceCapacity' } });
    const { requestId } = await ok(api, 'requestMachines', { template: { templateId: 'small', machineCount: 2 } });
    const status = await ok(api, 'getRequestStatus', { requests: [{ requestId }] });
    expect(status.requests![0]).toMatchObject({ status: 'complete_with_error' });
    expect((status.requests![0]!.machines as { result: string }[]).map((m) => m.result)).toEqual(['succeed', 'fail']);
    const request = await hf.queries.execute(GetRequest.from({ requestId: String(requestId) }));
    expect(request.status).toBe('partial');
    expect(request.statusMessage).toContain('1 of 2');
  });
});
