import { describe, expect, it } from 'vitest';
import type { ProviderPort } from '../../src/application/provider/provider.port';
import { FakeProvider, providerContract, sampleTemplateSnapshot, type ProviderContractOptions } from '../../src/testing/index';
import { runProviderContract } from '../../src/testing/provider-contract.vitest';

const FAILING = sampleTemplateSnapshot({ templateId: 'contract-failing' });

/** The fake as a host would hand it to the contract: scripted to fail on FAILING and able to schedule reclaims. */
function scriptedFake(): { provider: FakeProvider; failingTemplate: typeof FAILING; scheduleReclaim: (id: string) => void } {
  const provider = new FakeProvider().script({ templateId: FAILING.templateId }, { capacityError: 'InsufficientInstanceCapacity: no m5.large in us-east-1a' });
  return { provider, failingTemplate: FAILING, scheduleReclaim: (id) => provider.reclaim(id, { gracePeriod: 120, reason: 'spot interruption' }) };
}

runProviderContract({ name: 'FakeProvider', create: scriptedFake, destroy: (provider) => (provider as FakeProvider).dispose() });

runProviderContract({ name: 'FakeProvider, bare, without fault cases', create: () => new FakeProvider(), faults: false });

runProviderContract({
  name: 'FakeProvider, weighted spot template, slow boots',
  create: () => new FakeProvider({ defaults: { bootAfterSyncs: 3, terminateAfterSyncs: 2 } }),
  template: sampleTemplateSnapshot({ templateId: 'contract-spot', priceType: 'spot', vmType: null, vmTypes: { 'm5.xlarge': 2, 'm5.large': 1 } }),
  count: 5,
  faults: false,
});

/** Wraps a provider so that its second terminate call (and every later one) throws. */
function terminateThrowsOnSecondCall(inner: ProviderPort): ProviderPort {
  let terminates = 0;
  return {
    provision: (input) => inner.provision(input),
    describe: (input) => inner.describe(input),
    reclaimNotices: () => inner.reclaimNotices(),
    cancelProvision: (input) => inner.cancelProvision!(input),
    terminate: async (input) => {
      terminates += 1;
      if (terminates >= 2) throw new Error('InvalidInstanceID.NotFound: i-fake0001 is already terminating');
      return inner.terminate(input);
    },
  };
}

/** Runs every case and returns the failures by case name. */
async function failures(options: ProviderContractOptions): Promise<Map<string, string>> {
  const failed = new Map<string, string>();
  for (const contractCase of providerContract(options)) {
    try {
      await contractCase.run();
    } catch (error) {
      failed.set(contractCase.name, error instanceof Error ? error.message : String(error));
    }
  }
  return failed;
}

const IDEMPOTENT_TERMINATE = 'terminate is idempotent: a second call for the same machines accepts the same set';
const CANCEL_UNKNOWN = 'cancelProvision of a request the cloud never saw resolves and releases nothing';
const CANCEL_BY_ID = 'cancelProvision finds what provision started by request id alone and leaves nothing running';
const CANCEL_TWICE = 'cancelProvision is idempotent: a repeat resolves and nothing runs again';
const CANCEL_CASES = [CANCEL_UNKNOWN, CANCEL_BY_ID, CANCEL_TWICE];

/** The fake without `cancelProvision`, or with one replaced: a host adapter as it may be. */
function withCancel(inner: FakeProvider, cancelProvision?: ProviderPort['cancelProvision']): ProviderPort {
  return {
    provision: (input) => inner.provision(input),
    describe: (input) => inner.describe(input),
    terminate: (input) => inner.terminate(input),
    reclaimNotices: () => inner.reclaimNotices(),
    ...(cancelProvision === undefined ? {} : { cancelProvision }),
  };
}
const FAILING_PROVISION = 'a failing provision rejects with an Error carrying a message';

describe('providerContract', () => {
  it('lists each rule once, as a separately named case, and drops the fault cases with faults: false', () => {
    const all = providerContract({ name: 'x', create: () => new FakeProvider() });
    const withoutFaults = providerContract({ name: 'x', create: () => new FakeProvider(), faults: false });
    expect(all.length).toBeGreaterThanOrEqual(8);
    expect(new Set(all.map((c) => c.name)).size).toBe(all.length);
    expect(all.map((c) => c.name)).toContain(FAILING_PROVISION);
    expect(withoutFaults.map((c) => c.name)).not.toContain(FAILING_PROVISION);
    expect(withoutFaults).toHaveLength(all.length - 1);
  });

  it('makes a provider per case, cleans up the machines it made, and destroys the provider even when the case fails', async () => {
    const providers: FakeProvider[] = [];
    const destroyed: ProviderPort[] = [];
    const cases = providerContract({
      name: 'counting',
      create: () => {
        const provider = new FakeProvider();
        providers.push(provider);
        return provider;
      },
      destroy: (provider) => void destroyed.push(provider),
    });
    const results = await Promise.allSettled(cases.map((c) => c.run()));
    expect(providers).toHaveLength(cases.length);
    expect(destroyed).toEqual(providers);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    for (const provider of providers) {
      for (const machine of provider.machines()) expect(provider.terminateCount(machine.machineId)).toBeGreaterThan(0);
    }
  });

  it('fails the fault case with a message naming the fix when create() gives no failingTemplate', async () => {
    const failed = await failures({ name: 'bare', create: () => new FakeProvider() });
    expect([...failed.keys()]).toEqual([FAILING_PROVISION]);
    expect(failed.get(FAILING_PROVISION)).toMatch(/return \{ provider, failingTemplate \} from create\(\), or pass faults: false/);
  });

  it('fails only the idempotency case, clearly, for a provider whose second terminate throws', async () => {
    const failed = await failures({ name: 'broken', create: () => terminateThrowsOnSecondCall(new FakeProvider()), faults: false });
    expect([...failed.keys()]).toEqual([IDEMPOTENT_TERMINATE]);
    expect(failed.get(IDEMPOTENT_TERMINATE)).toMatch(/terminate is not idempotent: the second call for the same machines threw .*InvalidInstanceID\.NotFound/);
  });

  it('fails the idempotency case when a second terminate reports the machines as failed instead of accepted', async () => {
    const refusingOnRepeat = (): ProviderPort => {
      const inner = new FakeProvider();
      const seen = new Set<string>();
      return {
        provision: (input) => inner.provision(input),
        describe: (input) => inner.describe(input),
        reclaimNotices: () => inner.reclaimNotices(),
        terminate: async (input) => {
          const result = await inner.terminate(input);
          const repeat = result.accepted.filter((id) => seen.has(id));
          result.accepted.forEach((id) => seen.add(id));
          return { accepted: result.accepted.filter((id) => !repeat.includes(id)), failed: repeat.map((machineId) => ({ machineId, message: 'already terminating' })) };
        },
      };
    };
    const failed = await failures({ name: 'refusing on repeat', create: refusingOnRepeat, faults: false });
    expect(failed.get(IDEMPOTENT_TERMINATE)).toMatch(/should accept exactly what the first accepted/);
  });

  it('catches malformed results with messages that show the offending value', async () => {
    const malformed = (): ProviderPort => {
      const inner = new FakeProvider();
      return {
        provision: async (input) => ({ ...(await inner.provision(input)), resourceIds: [42 as unknown as string] }),
        describe: async (input) => (await inner.describe(input)).map((m) => ({ ...m, status: 'booting' as never })),
        reclaimNotices: async () => [{ machineId: 'i-1', gracePeriod: -5 }],
        terminate: async (input) => ({ accepted: [...input.machineIds], failed: [{ machineId: 'i-extra', message: '' }] }),
      };
    };
    const failed = await failures({ name: 'malformed', create: malformed, faults: false });
    expect(failed.get('provision resolves to string resource ids and well-formed machines')).toMatch(/resourceIds should be an array of non-empty strings, got \[ 42 \]/);
    expect(failed.get('reclaimNotices resolves to notices with a machine id and a grace period ≥ 0')).toMatch(/gracePeriod should be seconds ≥ 0, got -5/);
    expect(failed.get('terminate accepts machine ids the cloud does not know (already gone)')).toMatch(/failed machine i-extra needs a non-empty message/);
  });

  it('catches a describe that returns unknown ids and a provision that is not idempotent', async () => {
    const sloppy = (): ProviderPort => {
      const inner = new FakeProvider();
      let provisions = 0;
      return {
        provision: (input) => inner.provision({ ...input, requestId: `${input.requestId}-${++provisions}` }),
        describe: async (input) => [
          ...(await inner.describe({ ...input, requestId: `${input.requestId}-${provisions}` })),
          ...input.machineIds.filter((id) => id.startsWith('i-contract')).map((machineId) => ({ machineId, status: 'running' as const })),
        ],
        reclaimNotices: () => inner.reclaimNotices(),
        terminate: (input) => inner.terminate(input),
      };
    };
    const failed = await failures({ name: 'sloppy', create: sloppy, faults: false });
    expect(failed.get('describe of unknown machine ids neither throws nor returns them')).toMatch(/describe returned the unknown machine i-contract-never-created-0001/);
    expect(failed.get('provision is idempotent per requestId: a repeat creates nothing new')).toMatch(/should return the same resource ids/);
  });

  it('holds every provider to the cancel cases unless cancel: false, naming the fix when cancelProvision is missing', async () => {
    const all = providerContract({ name: 'x', create: () => new FakeProvider() }).map((c) => c.name);
    expect(all).toEqual(expect.arrayContaining(CANCEL_CASES));
    expect(providerContract({ name: 'x', create: () => new FakeProvider(), cancel: false }).map((c) => c.name)).toEqual(all.filter((n) => !CANCEL_CASES.includes(n)));
    const failed = await failures({ name: 'no cancel', create: () => withCancel(new FakeProvider()), faults: false });
    expect([...failed.keys()]).toEqual(CANCEL_CASES);
    for (const name of CANCEL_CASES) expect(failed.get(name)).toMatch(/needs ProviderPort\.cancelProvision .*implement it, or pass cancel: false/);
    expect(await failures({ name: 'no cancel, opted out', create: () => withCancel(new FakeProvider()), faults: false, cancel: false })).toEqual(new Map());
  });

  it('fails the cancel cases for a cancel that leaves machines running, throws on a repeat, or claims releases for an unknown request', async () => {
    const inert = await failures({ name: 'inert', create: () => withCancel(new FakeProvider(), async () => ({ released: [] })), faults: false });
    expect([...inert.keys()]).toEqual([CANCEL_BY_ID, CANCEL_TWICE]);
    expect(inert.get(CANCEL_BY_ID)).toMatch(/after cancelProvision by request id alone: after 5 describes these machines of req-\S+ still run: .*'i-fake0001', 'running'/);

    const once = (): ProviderPort => {
      const inner = new FakeProvider();
      let calls = 0;
      return withCancel(inner, async (input) => {
        if (++calls > 1) throw new Error('InvalidFleetId.NotFound: fleet-fake0001 is already deleted');
        return inner.cancelProvision(input);
      });
    };
    const repeat = await failures({ name: 'not idempotent', create: once, faults: false });
    expect([...repeat.keys()]).toEqual([CANCEL_TWICE]);
    expect(repeat.get(CANCEL_TWICE)).toMatch(/the second cancelProvision of the same request threw .*InvalidFleetId\.NotFound.*must resolve, idempotently/);

    const boastful = await failures({ name: 'boastful', create: () => withCancel(new FakeProvider(), async () => ({ released: ['fleet-other'] })), faults: false });
    expect(boastful.get(CANCEL_UNKNOWN)).toMatch(/should release nothing, got \[ 'fleet-other' \]/);
  });

  it('fails the fault case when the failing provision resolves or rejects without a message', async () => {
    const resolves = await failures({ name: 'never fails', create: () => ({ provider: new FakeProvider(), failingTemplate: FAILING }) });
    expect(resolves.get(FAILING_PROVISION)).toMatch(/should reject, but it resolved/);
    const silent = new FakeProvider().script({ templateId: FAILING.templateId }, { capacityError: '' });
    const empty = await failures({ name: 'silent', create: () => ({ provider: silent, failingTemplate: FAILING }) });
    expect(empty.get(FAILING_PROVISION)).toMatch(/should carry a message/);
  });
});
