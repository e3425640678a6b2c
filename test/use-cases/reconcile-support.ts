import { CreateTemplate } from '../../src/application/templates/template.commands';
import { RequestMachines, SyncRequest } from '../../src/application/requests/request.commands';
import { Reconcile } from '../../src/application/reconcile/reconcile.command';
import { type ProviderPort } from '../../src/application/provider/provider.port';
import { createHostFactoryApi } from '../../src/hostfactory';
import { createInMemoryStorage, createTestHostFactory, FakeProvider, ManualClock, sequentialIds, type InMemoryStorage, type TestHostFactory, type TestHostFactoryOptions } from '../../src/testing';
import { templateInput } from '../support/templates';

/** One cloud, one storage and one clock that several host factories (processes) share. */
export interface SharedSite {
  readonly clock: ManualClock;
  readonly fake: FakeProvider;
  readonly memory: InMemoryStorage;
  /** Every host factory opened on the site, disposed by {@link closeSite}. */
  readonly opened: TestHostFactory[];
}

export function openSite(): SharedSite {
  const clock = new ManualClock();
  return { clock, fake: new FakeProvider({ clock }), memory: createInMemoryStorage(), opened: [] };
}

let processes = 0;
/** A host factory on the site's storage and cloud, with ids of its own (another process). */
export function processOn(site: SharedSite, provider: ProviderPort = site.fake, providerTimeoutMs = 86_400_000, extra: Partial<TestHostFactoryOptions> = {}): TestHostFactory {
  processes += 1;
  const hf = createTestHostFactory({ storage: site.memory, provider, clock: site.clock, ids: sequentialIds(processes * 1_000_000), limits: { providerTimeoutMs }, ...extra });
  site.opened.push(hf);
  return hf;
}

export function closeSite(site: SharedSite): void {
  for (const hf of site.opened) hf.dispose();
  site.fake.dispose();
}

/** The fake as a host adapter without the optional `cancelProvision`. */
export function withoutCancel(fake: FakeProvider): ProviderPort {
  return {
    provision: (input) => fake.provision(input),
    describe: (input) => fake.describe(input),
    terminate: (input) => fake.terminate(input),
    reclaimNotices: () => fake.reclaimNotices(),
  };
}

/** A cloud whose terminate never answers (and never reaches it): the process asking is killed first. */
export function dyingBeforeTerminate(fake: FakeProvider): ProviderPort {
  return {
    provision: (input) => fake.provision(input),
    describe: (input) => fake.describe(input),
    terminate: () => new Promise<never>(() => undefined),
    reclaimNotices: () => fake.reclaimNotices(),
  };
}

/** A cloud that starts the machines and then never answers: the process asking is killed before it records them. */
export function dyingAfterProvision(fake: FakeProvider): ProviderPort {
  return {
    provision: async (input) => {
      await fake.provision(input);
      return new Promise<never>(() => undefined);
    },
    describe: (input) => fake.describe(input),
    terminate: (input) => fake.terminate(input),
    reclaimNotices: () => fake.reclaimNotices(),
  };
}

/** A cloud whose first describe waits for `requester` to poll that request: the poll lands between the reconciler's read and its commit. */
export function pollingDuringFirstDescribe(fake: FakeProvider, requester: TestHostFactory): ProviderPort {
  let raced = false;
  return {
    provision: (input) => fake.provision(input),
    describe: async (input) => {
      if (!raced) {
        raced = true;
        await requester.commands.execute(SyncRequest.from({ requestId: input.requestId }));
      }
      return fake.describe(input);
    },
    terminate: (input) => fake.terminate(input),
    reclaimNotices: () => fake.reclaimNotices(),
  };
}

/**
 * The fake (without cancelProvision) whose first describe of `requestId` answers what the cloud
 * reported before `meanwhile()` ran: another process acts between this one's describe and its commit.
 */
export function describingBefore(fake: FakeProvider, requestId: string, meanwhile: () => Promise<unknown>): ProviderPort {
  const port = withoutCancel(fake);
  let raced = false;
  return {
    ...port,
    describe: async (input) => {
      const seen = await fake.describe(input);
      if (input.requestId === requestId && !raced) {
        raced = true;
        await meanwhile();
      }
      return seen;
    },
  };
}

/** Waits (polling every 5 ms, at most 10 s, so a loaded machine does not fail the test) until `done()`. */
export async function until(done: () => boolean): Promise<void> {
  const giveUp = Date.now() + 10_000;
  while (!done() && Date.now() < giveUp) await new Promise((resolve) => setTimeout(resolve, 5));
  if (!done()) throw new Error('condition not reached within 10 s');
}

/**
 * Leaves `counts.length` orphan requests on the site: a process admits each request, the cloud
 * starts its machines, and the process is killed before recording them (nobody ever got the ids).
 */
export async function orphans(site: SharedSite, counts: readonly number[], template: Record<string, unknown> = templateInput(), extra: Record<string, unknown> = {}): Promise<void> {
  const doomed = processOn(site, dyingAfterProvision(site.fake));
  await doomed.commands.execute(CreateTemplate.from({ template })).catch(() => undefined);
  const before = site.fake.machines().length;
  const total = counts.reduce((a, b) => a + b, 0);
  for (const machineCount of counts) {
    void doomed.commands.execute(RequestMachines.from({ templateId: String(template.templateId), machineCount, ...extra })).catch(() => undefined);
  }
  await until(() => site.fake.machines().length === before + total);
  doomed.dispose();
  site.opened.splice(site.opened.indexOf(doomed), 1);
}

/**
 * A requestMachines killed while its asynchronous fleet is being created: the cloud accepted the
 * fleet (no machine yet) and nobody ever got the request id. Returns the request id.
 */
export async function abandonedFleet(site: SharedSite): Promise<string> {
  const doomed = processOn(site, dyingAfterProvision(site.fake));
  await doomed.commands.execute(CreateTemplate.from({ template: templateInput() }));
  void doomed.commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 2 })).catch(() => undefined);
  await until(() => site.fake.callsTo('provision').length === 1);
  doomed.dispose();
  site.opened.splice(site.opened.indexOf(doomed), 1);
  return site.fake.callsTo('provision')[0]!.input.requestId;
}

/**
 * An abandoned fleet on `site` (launching 20 minutes after its provision, `script` added) settled by
 * a process on `provider`; the clock then stands 21 minutes after the provision, when the fleet launches.
 */
export async function settledFleetOn(site: SharedSite, provider: (fake: FakeProvider) => ProviderPort, script: Record<string, unknown> = {}, extra: Partial<TestHostFactoryOptions> = {}) {
  site.fake.script({ templateId: 'small' }, { launchAfterMs: 20 * 60_000, ...script });
  const requestId = await abandonedFleet(site);
  const hf = processOn(site, provider(site.fake), undefined, extra);
  site.clock.advance({ minutes: 15 });
  const settled = await hf.commands.execute(Reconcile.from({}));
  if (settled.abandoned !== 1) throw new Error(`expected the fleet's request to be settled, got ${JSON.stringify(settled)}`);
  site.clock.advance({ minutes: 6 });
  return { requestId, hf };
}

/** `availableNumber` of the template as Symphony's getAvailableTemplates answers it. */
export async function availableNumber(hf: TestHostFactory, templateId = 'small'): Promise<number> {
  const answer = await createHostFactoryApi(hf, { reconcile: false }).getAvailableTemplates();
  const templates = (answer.document as { templates: { templateId: string; availableNumber: number }[] }).templates;
  return templates.find((t) => t.templateId === templateId)!.availableNumber;
}
