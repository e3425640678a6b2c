import { afterEach, describe, expect, it } from 'vitest';
import { GetMachine } from '../../src/application/machines/machine.queries';
import { GetRequest } from '../../src/application/requests/request.queries';
import { RequestReturnMachines, SyncRequest } from '../../src/application/requests/request.commands';
import type { DescribeInput, ProviderMachine, ProviderPort, TerminateInput } from '../../src/application/provider/provider.port';
import { KernelError, type Logger } from '../../src/kernel';
import { createInMemoryStorage, FakeProvider, ManualClock, type FakeBehaviour, type TestHostFactory } from '../../src/testing';
import { rejection, request, status, sync, withTemplate } from './support';

/*
 * The sync use case (issue 32: survivors of sync-request.ts and machine-recording.ts): re-sending a
 * terminate call that was lost, exactly once and only past a provider timeout; provisioning again
 * only past one; applying what describe reported (reports the domain refuses are logged, foreign
 * and unknown machines are not taken). Each test fails when its rule breaks.
 */
const TIMEOUT_MS = 1_000;

let hf: TestHostFactory | undefined;
let fake: FakeProvider | undefined;
afterEach(() => {
  hf?.dispose();
  fake?.dispose();
  hf = undefined;
  fake = undefined;
});

/** A cloud over the fake whose terminate calls can be lost and whose describe answers can be held or edited. */
interface Cloud {
  readonly port: ProviderPort;
  /** Every terminate call that reached the cloud, lost ones included. */
  readonly terminates: TerminateInput[];
  /** How many of the next terminate calls are lost: answered accepted, nothing terminated. */
  lose: number;
  afterProvision?: () => void;
  afterDescribe?: (input: DescribeInput) => Promise<void> | void;
  edit?: (input: DescribeInput, machines: ProviderMachine[]) => ProviderMachine[];
}

function cloudOver(over: FakeProvider): Cloud {
  const cloud: Cloud = {
    terminates: [],
    lose: 0,
    port: {
      provision: async (input) => {
        const result = await over.provision(input);
        cloud.afterProvision?.();
        return result;
      },
      describe: async (input) => {
        const machines = await over.describe(input);
        await cloud.afterDescribe?.(input);
        return cloud.edit?.(input, machines) ?? machines;
      },
      terminate: async (input) => {
        cloud.terminates.push(input);
        if (cloud.lose === 0) return over.terminate(input);
        cloud.lose -= 1;
        return { accepted: [...input.machineIds], failed: [] };
      },
      reclaimNotices: () => over.reclaimNotices(),
    },
  };
  return cloud;
}

/** In-memory storage whose next transaction, or next request save, can be made to fail. */
function faultyStorage() {
  const memory = createInMemoryStorage();
  const faults: { transaction?: Error; requestSave?: Error } = {};
  const storage = {
    ...memory,
    unitOfWork: {
      transaction: <T>(work: Parameters<typeof memory.unitOfWork.transaction<T>>[0]): Promise<T> => {
        const failed = faults.transaction;
        if (failed !== undefined) {
          faults.transaction = undefined;
          return Promise.reject(failed);
        }
        return memory.unitOfWork.transaction<T>((tx) =>
          work({
            ...tx,
            requests: {
              ...tx.requests,
              save: (saved, expectedVersion) => {
                const refused = faults.requestSave;
                if (refused === undefined) return tx.requests.save(saved, expectedVersion);
                faults.requestSave = undefined;
                return Promise.reject(refused);
              },
            },
          }),
        );
      },
    },
  };
  return { storage, faults };
}

interface Logged {
  message: string;
  fields: Record<string, unknown> | undefined;
}

function capturing(logged: Logged[]): Logger {
  return { debug() {}, info() {}, warn: (message, fields) => logged.push({ message, fields }), error() {} };
}

/** A host factory over a held cloud (provider timeout {@link TIMEOUT_MS}), sharing one manual clock with the fake. */
async function open(options: { behaviour?: FakeBehaviour; storage?: ReturnType<typeof faultyStorage>['storage']; logger?: Logger } = {}) {
  const clock = new ManualClock();
  fake = new FakeProvider({ clock });
  if (options.behaviour !== undefined) fake.script({ templateId: 'small' }, options.behaviour);
  const cloud = cloudOver(fake);
  const { behaviour: _, ...rest } = options;
  hf = await withTemplate({}, { provider: cloud.port, clock, limits: { providerTimeoutMs: TIMEOUT_MS }, ...rest });
  return { clock, cloud, fake, hf };
}

/** One running machine returned; its terminate call is lost unless `lose` is 0. */
async function returned(options: Parameters<typeof open>[0] & { lose?: number } = {}) {
  const { lose = 1, ...rest } = options;
  const opened = await open(rest);
  const [machine] = (await sync(opened.hf, await request(opened.hf, 1))).machines;
  opened.cloud.lose = lose;
  const { requestId: returnId } = await opened.hf.commands.execute(RequestReturnMachines.from({ machines: [{ machineId: machine!.machineId }] }));
  return { ...opened, machineId: machine!.machineId, returnId };
}

const syncOnly = (host: TestHostFactory, requestId: string) => host.commands.execute(SyncRequest.from({ requestId }));

describe('SyncRequest re-sending a terminate call that was lost', () => {
  it('re-sends it only once more than a provider timeout has passed since the return started, and the return completes', async () => {
    const { clock, cloud, hf, machineId, returnId } = await returned();
    clock.advance(TIMEOUT_MS);
    await syncOnly(hf, returnId);
    expect(cloud.terminates).toHaveLength(1);
    clock.advance(1);
    await syncOnly(hf, returnId);
    expect(cloud.terminates).toEqual([
      { requestId: returnId, machineIds: [machineId] },
      { requestId: returnId, machineIds: [machineId] },
    ]);
    expect((await sync(hf, returnId)).status).toBe('completed');
  });

  it('records the machines the provider refuses on the re-send, each explained', async () => {
    const { clock, fake, hf, machineId, returnId } = await returned();
    fake.script({ templateId: 'small' }, { refuseTerminate: { message: 'termination protection is on' } });
    clock.advance(TIMEOUT_MS + 1);
    const done = await sync(hf, returnId);
    expect(done.machines.map((m) => [m.machineId, m.result, m.message])).toEqual([[machineId, 'fail', 'The provider refused to terminate it: termination protection is on']]);
    expect(done.status).toBe('failed');
  });

  it('sends nothing again when no machine of the return is still alive (all shutting down)', async () => {
    const { clock, cloud, hf, returnId } = await returned({ lose: 0, behaviour: { terminateAfterSyncs: 5 } });
    clock.advance(TIMEOUT_MS + 1);
    await syncOnly(hf, returnId);
    expect(cloud.terminates).toHaveLength(1);
    expect((await status(hf, returnId)).status).toBe('in_progress');
  });

  it('names terminate in the error when the re-sent call fails', async () => {
    const { clock, fake, hf, returnId } = await returned();
    fake.script({ templateId: 'small' }, { throwAt: { terminate: 'API unavailable' } });
    clock.advance(TIMEOUT_MS + 1);
    const error = await rejection(syncOnly(hf, returnId));
    expect(error.code).toBe('PROVIDER_ERROR');
    expect(error.message).toContain('The provider failed in terminate: API unavailable');
  });

  it('raises a describe failure of a return request past its provider timeout as PROVIDER_ERROR', async () => {
    const { clock, fake, hf, returnId } = await returned();
    fake.script({ templateId: 'small' }, { throwAt: { describe: 'API unavailable' } });
    clock.advance(TIMEOUT_MS + 1);
    const error = await rejection(syncOnly(hf, returnId));
    expect(error.code).toBe('PROVIDER_ERROR');
    expect(error.message).toContain('The provider failed in describe: API unavailable');
  });

  it('leaves the re-send to the process that changed the request after it was read', async () => {
    const { clock, cloud, hf, returnId } = await returned();
    clock.advance(TIMEOUT_MS + 1);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let held = false;
    cloud.afterDescribe = async (input) => {
      if (held || input.requestId !== returnId) return;
      held = true;
      await gate;
    };
    // The first sync read the request and has its describe answer; it waits while a second one re-sends.
    const first = syncOnly(hf, returnId);
    while (!held) await new Promise((resolve) => setTimeout(resolve, 1));
    await syncOnly(hf, returnId);
    expect(cloud.terminates).toHaveLength(2);
    release();
    await first;
    expect(cloud.terminates).toHaveLength(2);
  });

  it('sends nothing when its claim conflicts with another process\'s commit', async () => {
    const { storage, faults } = faultyStorage();
    const { clock, cloud, hf, returnId } = await returned({ storage });
    clock.advance(TIMEOUT_MS + 1);
    cloud.afterDescribe = (input) => {
      if (input.requestId !== returnId) return;
      cloud.afterDescribe = undefined;
      faults.requestSave = new KernelError('CONCURRENCY_CONFLICT', 'request saved by another process first');
    };
    await syncOnly(hf, returnId);
    expect(faults.requestSave).toBeUndefined();
    expect(cloud.terminates).toHaveLength(1);
  });

  it('raises a storage failure of the re-send claim, sending nothing', async () => {
    const { storage, faults } = faultyStorage();
    const { clock, cloud, hf, returnId } = await returned({ storage });
    clock.advance(TIMEOUT_MS + 1);
    cloud.afterDescribe = (input) => {
      if (input.requestId !== returnId) return;
      cloud.afterDescribe = undefined;
      faults.requestSave = new Error('disk full');
    };
    expect((await rejection(syncOnly(hf, returnId))).message).toBe('disk full');
    expect(cloud.terminates).toHaveLength(1);
  });
});

describe('SyncRequest asking provision again', () => {
  /** A request whose provision answered (machines running at once) but whose answer was never recorded. */
  async function unrecorded() {
    const { storage, faults } = faultyStorage();
    const opened = await open({ storage, behaviour: { immediate: true } });
    opened.cloud.afterProvision = () => {
      opened.cloud.afterProvision = undefined;
      faults.transaction = new Error('disk full'); // the record step
    };
    const requestId = await request(opened.hf, 2);
    expect((await status(opened.hf, requestId)).status).toBe('pending');
    return { ...opened, requestId };
  }

  it('only describes a request whose provision was never confirmed until more than a provider timeout has passed', async () => {
    const { clock, fake, hf, requestId } = await unrecorded();
    clock.advance(TIMEOUT_MS);
    expect((await sync(hf, requestId)).machines).toHaveLength(2);
    expect(fake.callsTo('provision')).toHaveLength(1);
  });

  it('derives the status from what the repeated provision answered', async () => {
    const { clock, fake, hf, requestId } = await unrecorded();
    clock.advance(TIMEOUT_MS + 1);
    const synced = await sync(hf, requestId);
    expect(fake.callsTo('provision')).toHaveLength(2);
    expect(synced.status).toBe('completed');
    expect(synced.machines.map((m) => m.result)).toEqual(['succeed', 'succeed']);
  });
});

describe('SyncRequest applying what describe reported', () => {
  it('answers REQUEST_NOT_FOUND for an id no request has', async () => {
    hf = await withTemplate();
    const error = await rejection(syncOnly(hf, 'req-00000000-0000-4000-8000-000000000000'));
    expect(error.code).toBe('REQUEST_NOT_FOUND');
  });

  it('attaches the machines a fleet launched later under the template and its provider API, adding no resource', async () => {
    hf = await withTemplate();
    hf.fake!.script({ templateId: 'small' }, { launchAfterMs: 1_000 });
    const requestId = await request(hf, 2);
    const before = await hf.queries.execute(GetRequest.from({ requestId }));
    expect([before.machineIds, before.resourceIds.length]).toEqual([[], 1]);
    hf.advance(1_000);
    await syncOnly(hf, requestId);
    const after = await hf.queries.execute(GetRequest.from({ requestId }));
    expect(after.machineIds).toHaveLength(2);
    expect(after.resourceIds).toEqual(before.resourceIds);
    for (const machineId of after.machineIds) {
      const machine = await hf.queries.execute(GetMachine.from({ machineId }));
      expect([machine.templateId, machine.providerApi]).toEqual(['small', 'EC2Fleet']);
    }
  });

  it('logs a report the machine\'s status cannot take, and keeps the machine as it was', async () => {
    const logged: Logged[] = [];
    const { cloud, fake, hf } = await open({ behaviour: { bootAfterSyncs: 1_000 }, logger: capturing(logged) });
    const requestId = await request(hf, 2);
    const [first] = fake.machines(requestId).map((m) => m.machineId);
    let reported: ProviderMachine['status'] = 'terminated';
    cloud.edit = (_, machines) => machines.map((m) => (m.machineId === first ? { ...m, status: reported } : m));
    await syncOnly(hf, requestId);
    reported = 'running';
    await syncOnly(hf, requestId);
    expect(logged).toEqual([
      {
        message: `rejected a provider report for machine ${first}`,
        fields: { requestId, machineId: first, error: expect.stringContaining('terminated') },
      },
    ]);
    expect((await hf.queries.execute(GetMachine.from({ machineId: first! }))).status).toBe('terminated');
    expect((await status(hf, requestId)).status).toBe('in_progress');
  });

  it('refuses a report of a machine another request owns: logged, and attached to neither', async () => {
    const logged: Logged[] = [];
    const { cloud, hf } = await open({ logger: capturing(logged) });
    const owner = await request(hf, 1);
    const [owned] = (await sync(hf, owner)).machineIds;
    const other = await request(hf, 1);
    cloud.edit = (input, machines) => (input.requestId === other ? [...machines, { ...machines[0]!, machineId: owned! }] : machines);
    const synced = await sync(hf, other);
    expect(synced.machineIds).toHaveLength(1);
    expect(synced.machineIds).not.toContain(owned);
    expect(logged).toEqual([
      {
        message: `rejected a provider report for machine ${owned}`,
        fields: { requestId: other, machineId: owned, error: `machine ${owned} belongs to request ${owner}, not ${other}; the provider reported an id it already gave another request` },
      },
    ]);
    expect((await hf.queries.execute(GetMachine.from({ machineId: owned! }))).requestId).toBe(owner);
  });

  it('takes no machine a return request\'s describe names that was never recorded', async () => {
    const { cloud, hf, machineId, returnId } = await returned({ lose: 0, behaviour: { terminateAfterSyncs: 5 } });
    cloud.edit = (input, machines) => (input.requestId === returnId ? [...machines, { ...machines[0]!, machineId: 'i-stranger' }] : machines);
    expect((await sync(hf, returnId)).machineIds).toEqual([machineId]);
    expect((await rejection(hf.queries.execute(GetMachine.from({ machineId: 'i-stranger' })))).code).toBe('MACHINE_NOT_FOUND');
  });

  it('applies a report of a known machine without the facts the domain refuses: logged, the rest recorded', async () => {
    const logged: Logged[] = [];
    // Machines that stay pending: every sync asks the cloud again.
    const { cloud, hf } = await open({ behaviour: { bootAfterSyncs: 1_000 }, logger: capturing(logged) });
    const requestId = await request(hf, 1);
    const { machineIds } = await hf.queries.execute(GetRequest.from({ requestId }));
    const machineId = machineIds[0]!;
    const before = await hf.queries.execute(GetMachine.from({ machineId }));
    cloud.edit = (_, machines) => machines.map((m) => ({ ...m, priceType: 'reserved' as 'spot', privateIpAddress: 42 as unknown as string, instanceType: 'm7i.large' }));
    await syncOnly(hf, requestId);
    const after = await hf.queries.execute(GetMachine.from({ machineId }));
    expect([after.priceType, after.privateIpAddress, after.instanceType]).toEqual([before.priceType, before.privateIpAddress, 'm7i.large']);
    expect(logged).toEqual([
      { message: `rejected a provider report for machine ${machineId}`, fields: { requestId, machineId, error: expect.stringMatching(/^kept the machine without priceType, privateIpAddress: .*priceType/) } },
    ]);

    // Refusals inside a fact (issue paths `instanceTags.k`, `instanceTags[2]`) drop the whole fact.
    for (const instanceTags of [{ k: 5 }, 'a=b;;c']) {
      logged.length = 0;
      cloud.edit = (_, machines) => machines.map((m) => ({ ...m, instanceTags: instanceTags as unknown as Record<string, string>, instanceType: 'm7i.xlarge' }));
      await syncOnly(hf, requestId);
      const tagged = await hf.queries.execute(GetMachine.from({ machineId }));
      expect([tagged.instanceTags, tagged.instanceType]).toEqual([before.instanceTags, 'm7i.xlarge']);
      expect(logged.map((line) => line.fields?.error)).toEqual([expect.stringMatching(/^kept the machine without instanceTags: /)]);
    }
  });

  it('records a machine first reported with a fact the domain refuses, without that fact: never a running machine left out', async () => {
    const logged: Logged[] = [];
    const { clock, cloud, hf } = await open({ behaviour: { launchAfterMs: 1_000 }, logger: capturing(logged) });
    const requestId = await request(hf, 2);
    expect((await hf.queries.execute(GetRequest.from({ requestId }))).machineIds).toEqual([]);
    cloud.edit = (_, machines) => machines.map((m) => ({ ...m, priceType: 'reserved' as 'spot' }));
    clock.advance(1_000);
    await syncOnly(hf, requestId);
    const { machineIds } = await hf.queries.execute(GetRequest.from({ requestId }));
    expect(machineIds).toHaveLength(2);
    for (const machineId of machineIds) expect((await hf.queries.execute(GetMachine.from({ machineId }))).priceType).toBeNull();
    expect(logged.map((line) => [line.message, line.fields?.machineId])).toEqual(machineIds.map((machineId) => [`rejected a provider report for machine ${machineId}`, machineId]));
  });

  it('fails the sync on a report whose status the domain refuses, recording nothing', async () => {
    const { cloud, hf } = await open();
    const requestId = await request(hf, 1);
    cloud.edit = (_, machines) => machines.map((m) => ({ ...m, status: 'exploded' as 'running', priceType: 'reserved' as 'spot' }));
    const error = await rejection(syncOnly(hf, requestId));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect((await status(hf, requestId)).machines.map((m) => m.status)).toEqual(['pending']);
  });
});
