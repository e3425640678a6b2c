import { describe, expect, it } from 'vitest';
import type { ProvisionInput } from '../../src/application/provider/provider.port';
import { isKernelError, TimeoutError } from '../../src/kernel';
import { createCompositeProvider, readModelBreakerStore, readModelProviderAssignments } from '../../src/providers/index';
import { createInMemoryStorage, FakeProvider, sampleTemplateSnapshot } from '../../src/testing/index';
import { launched, twoClouds } from './support';

const both = sampleTemplateSnapshot({ templateId: 'both', providerConfig: { providerName: ['east', 'west'] } });
let serial = 0;
const input = (template = both, count = 2): ProvisionInput => ({ requestId: `req-${(serial += 1)}`, template, count, tags: {} });
const owners = (resourceIds: readonly string[]) => [...new Set(resourceIds.map((id) => id.split(':')[0]!))];

describe('CompositeProvider failover and circuit breaker', () => {
  it('fails over while a provider refuses, opens its breaker after N failures, half-opens on the clock and closes on success', async () => {
    const clouds = twoClouds();
    clouds.east.refusing = true;
    expect(owners((await clouds.composite.provision(input())).resourceIds)).toEqual(['west']);
    expect(owners((await clouds.composite.provision(input())).resourceIds)).toEqual(['west']);
    expect(clouds.composite.health()[0]).toMatchObject({ provider: 'east', state: 'open', consecutiveFailures: 2, lastError: 'InsufficientInstanceCapacity: east is full' });

    // Open: east is not even asked.
    await clouds.composite.provision(input());
    expect(clouds.east.provisions).toBe(2);

    clouds.east.refusing = false;
    clouds.clock.advance({ seconds: 59 });
    expect(clouds.composite.health()[0]!.state).toBe('open');
    clouds.clock.advance({ seconds: 1 });
    expect(clouds.composite.health()[0]!.state).toBe('half-open');
    expect(owners((await clouds.composite.provision(input())).resourceIds)).toEqual(['east']);
    expect(clouds.composite.health()[0]).toMatchObject({ state: 'closed', consecutiveFailures: 0 });

    // No machine was launched twice, and each request's machines are on one cloud.
    const all = launched(clouds);
    expect(new Set(all).size).toBe(all.length);
    expect(all).toHaveLength(8);
  });

  it('a failed half-open trial opens the breaker for another full delay', async () => {
    const clouds = twoClouds();
    clouds.east.refusing = true;
    await clouds.composite.provision(input());
    await clouds.composite.provision(input());
    clouds.clock.advance({ minutes: 1 });
    await clouds.composite.provision(input());
    expect(clouds.east.provisions).toBe(3);
    expect(clouds.composite.health()[0]).toMatchObject({ state: 'open', openUntil: new Date(clouds.clock.now().getTime() + 60_000).toISOString() });
  });

  it('never fails over after a call that may have launched (TIMEOUT): the error goes back to the library', async () => {
    const clouds = twoClouds();
    clouds.east.provision = async () => {
      throw new TimeoutError('provider.provision', 30_000);
    };
    await expect(clouds.composite.provision(input())).rejects.toSatisfy((e) => isKernelError(e, 'TIMEOUT'));
    expect(clouds.west.provisions).toBe(0);
  });

  it('reports NO_PROVIDER_AVAILABLE naming every refusal and skipped breaker when none can serve', async () => {
    const clouds = twoClouds();
    clouds.east.refusing = true;
    clouds.west.refusing = true;
    const error = await clouds.composite.provision(input()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'NO_PROVIDER_AVAILABLE', details: { templateId: 'both', attempts: [{ provider: 'east', outcome: 'refused' }, { provider: 'west', outcome: 'refused' }] } });
    await clouds.composite.provision(input()).catch(() => undefined);
    const skipped = await clouds.composite.provision(input()).catch((e: unknown) => e);
    expect(skipped).toMatchObject({ details: { attempts: [{ provider: 'east', outcome: 'skipped' }, { provider: 'west', outcome: 'skipped' }] } });
    expect(launched(clouds)).toEqual([]);
  });

  it('a repeated provision after a restart goes to the provider recorded for the request, not a new choice', async () => {
    const storage = createInMemoryStorage();
    const assignments = readModelProviderAssignments(storage.readModels);
    const before = twoClouds({ assignments });
    before.east.refusing = true;
    const request = input();
    const first = await before.composite.provision(request);
    // A new process: fresh breakers, east healthy again, the same clouds and the same storage.
    const after = createCompositeProvider({ providers: [{ name: 'east', provider: before.east }, { name: 'west', provider: before.west }], assignments });
    before.east.refusing = false;
    const again = await after.provision(request);
    expect(again.resourceIds).toEqual(first.resourceIds);
    expect(before.east.provisions).toBe(1);
    expect(launched(before)).toHaveLength(2);
  });

  it('a repeated provision goes back to the recorded provider even after the template stopped naming it', async () => {
    const clouds = twoClouds();
    const request = input(sampleTemplateSnapshot({ templateId: 'moved', providerConfig: { providerName: 'west' } }));
    const first = await clouds.composite.provision(request);
    const again = await clouds.composite.provision({ ...request, template: sampleTemplateSnapshot({ templateId: 'moved', providerConfig: { providerName: 'east' } }) });
    expect(again.resourceIds).toEqual(first.resourceIds);
    expect(clouds.east.provisions).toBe(0);
  });
});

describe('CompositeProvider health checks', () => {
  it('checkHealth runs each health check: failures open the breaker, a pass closes it at once', async () => {
    const clouds = twoClouds();
    let healthy = false;
    const composite = createCompositeProvider({
      providers: [
        { name: 'east', provider: clouds.east, healthCheck: async () => { if (!healthy) throw new Error('DescribeRegions: endpoint unreachable'); } },
        { name: 'west', provider: clouds.west },
      ],
      clock: clouds.clock,
      breaker: { failureThreshold: 2 },
    });
    await composite.checkHealth();
    const [east, west] = await composite.checkHealth();
    expect(east).toMatchObject({ provider: 'east', state: 'open', consecutiveFailures: 2, lastError: 'DescribeRegions: endpoint unreachable' });
    expect(west).toMatchObject({ provider: 'west', state: 'closed', consecutiveFailures: 0 });
    expect(owners((await composite.provision(input())).resourceIds)).toEqual(['west']);

    healthy = true;
    expect((await composite.checkHealth())[0]).toMatchObject({ state: 'closed', consecutiveFailures: 0, openUntil: null });
    expect(owners((await composite.provision(input())).resourceIds)).toEqual(['east']);
  });
});

describe('CompositeProvider breakers kept between processes', () => {
  it('a new process (a new composite on the same storage) skips the provider another process saw fail', async () => {
    const storage = createInMemoryStorage();
    const breakerStore = readModelBreakerStore(storage.readModels);
    const first = twoClouds({ breakerStore });
    first.east.refusing = true;
    await first.composite.provision(input());
    await first.composite.provision(input());
    const second = createCompositeProvider({ providers: [{ name: 'east', provider: first.east }, { name: 'west', provider: first.west }], clock: first.clock, breakerStore, breaker: { resetAfterMs: 60_000 } });
    expect(owners((await second.provision(input())).resourceIds)).toEqual(['west']);
    expect(first.east.provisions).toBe(2);
    expect(second.health()[0]).toMatchObject({ state: 'open', consecutiveFailures: 2 });

    // Half-open on the clock, east healthy: the trial closes it, and the next process sees it closed.
    first.east.refusing = false;
    first.clock.advance({ minutes: 1 });
    expect(owners((await second.provision(input())).resourceIds)).toEqual(['east']);
    const third = createCompositeProvider({ providers: [{ name: 'east', provider: first.east }, { name: 'west', provider: first.west }], clock: first.clock, breakerStore });
    await third.provision(input());
    expect(third.health()[0]).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
  });

  it('ignores a stored breaker document it cannot read (the breaker starts closed)', async () => {
    const storage = createInMemoryStorage();
    await storage.readModels.put('provider_breakers', { id: 'east', consecutiveFailures: 'many', openedAt: 'yesterday' });
    const clouds = twoClouds({ breakerStore: readModelBreakerStore(storage.readModels) });
    expect(owners((await clouds.composite.provision(input())).resourceIds)).toEqual(['east']);
  });
});

describe('CompositeProvider selection policies', () => {
  const sequence = async (policy: string, n: number, setup?: (c: ReturnType<typeof twoClouds>) => void) => {
    const clouds = twoClouds({}, [3, 1]);
    const composite = clouds.composite;
    setup?.(clouds);
    const template = sampleTemplateSnapshot({ templateId: `t-${policy}`, providerConfig: { providerName: ['east', 'west'], providerPolicy: policy } });
    const picks: string[] = [];
    for (let i = 0; i < n; i += 1) {
      picks.push(...owners((await composite.provision(input(template, 1))).resourceIds));
      clouds.east.refusing = false;
    }
    return picks;
  };

  it('priority: always the first listed provider that accepts', async () => {
    expect(await sequence('priority', 3)).toEqual(['east', 'east', 'east']);
  });

  it('round-robin: takes turns', async () => {
    expect(await sequence('round-robin', 4)).toEqual(['east', 'west', 'east', 'west']);
  });

  it('weighted: spreads by weight, 3 to 1, interleaved', async () => {
    expect(await sequence('weighted', 8)).toEqual(['east', 'east', 'west', 'east', 'east', 'east', 'west', 'east']);
  });

  it('least-recently-failed: a provider that failed goes behind one that never did', async () => {
    expect(await sequence('least-recently-failed', 3, (c) => void (c.east.refusing = true))).toEqual(['west', 'west', 'west']);
  });
});

describe('CompositeProvider routing of stored ids', () => {
  it('describes, terminates and cancels through the provider named in the ids, also from a new instance with no memory', async () => {
    const clouds = twoClouds();
    const template = sampleTemplateSnapshot({ templateId: 'west-only', providerConfig: { providerName: 'west' } });
    const request = input(template);
    const result = await clouds.composite.provision(request);
    const fresh = createCompositeProvider({ providers: [{ name: 'east', provider: clouds.east }, { name: 'west', provider: clouds.west }] });
    const machines = await fresh.describe({ requestId: request.requestId, resourceIds: result.resourceIds, machineIds: [] });
    expect(machines.map((m) => m.machineId.split(':')[0])).toEqual(['west', 'west']);
    expect(clouds.east.inner.callsTo('describe')).toHaveLength(0);

    const ids = machines.map((m) => m.machineId);
    expect(await fresh.terminate({ requestId: 'ret-1', machineIds: ids })).toEqual({ accepted: ids, failed: [] });
    expect(clouds.east.inner.callsTo('terminate')).toHaveLength(0);
    expect((await fresh.cancelProvision!({ requestId: request.requestId, resourceIds: result.resourceIds, machineIds: ids })).released.every((id) => id.startsWith('west:'))).toBe(true);
    expect(clouds.east.inner.callsTo('cancelProvision')).toHaveLength(0);
  });

  it('routes reclaim notices with their owner, and still answers when one cloud fails', async () => {
    const clouds = twoClouds();
    const request = input(sampleTemplateSnapshot({ templateId: 'east-only', providerConfig: { providerName: 'east' } }));
    const { machines } = await clouds.composite.provision(request);
    const described = await clouds.composite.describe({ requestId: request.requestId, resourceIds: [], machineIds: machines.map((m) => m.machineId) });
    clouds.east.inner.reclaim(described[0]!.machineId.slice('east:'.length), { gracePeriod: 90 });
    clouds.west.reclaimNotices = async () => {
      throw new Error('RequestLimitExceeded');
    };
    expect(await clouds.composite.reclaimNotices()).toEqual([expect.objectContaining({ machineId: described[0]!.machineId, gracePeriod: 90 })]);
  });

  it('sends an id without a provider prefix (stored before the composite) to every provider and answers it unchanged', async () => {
    const east = new FakeProvider();
    const old = await east.provision({ ...input(), template: both });
    const composite = createCompositeProvider({ providers: [{ name: 'east', provider: east }, { name: 'west', provider: new FakeProvider() }] });
    const ids = old.machines.map((m) => m.machineId);
    expect((await composite.describe({ requestId: 'x', resourceIds: [], machineIds: ids })).map((m) => m.machineId).sort()).toEqual([...ids].sort());
    expect((await composite.terminate({ requestId: 'r', machineIds: ids })).accepted).toEqual(ids);
  });
});

describe('CompositeProvider configuration', () => {
  it('refuses options with every problem named', () => {
    const fake = new FakeProvider();
    let caught: unknown;
    try {
      createCompositeProvider({ providers: [{ name: 'a:b', provider: fake }, { name: 'x', provider: fake, weight: 0 }, { name: 'x', provider: {} as never }], breaker: { failureThreshold: 0 } });
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'INVALID_CONFIGURATION' });
    const problems = (caught as { details: { problems: string[] } }).details.problems.join('\n');
    for (const part of ['providers[0].name', 'providers[1].weight', 'providers[2].name "x" is used twice', 'providers[2].provider.provision()', 'breaker.failureThreshold']) expect(problems).toContain(part);
  });

  it('refuses a template naming an unknown provider, naming the template and the key', () => {
    const { composite } = twoClouds();
    const bad = sampleTemplateSnapshot({ templateId: 'gpu', providerConfig: { providerName: ['east', 'north'] } });
    expect(() => composite.checkTemplate(bad)).toThrow(expect.objectContaining({ code: 'UNKNOWN_PROVIDER', details: expect.objectContaining({ templateId: 'gpu', key: 'providerName', unknown: ['north'] }) }));
    const policy = sampleTemplateSnapshot({ templateId: 'gpu', providerConfig: { providerPolicy: 'cheapest' } });
    expect(() => composite.checkTemplate(policy)).toThrow(expect.objectContaining({ code: 'INVALID_PROVIDER_ROUTING', details: expect.objectContaining({ key: 'providerPolicy' }) }));
  });
});
