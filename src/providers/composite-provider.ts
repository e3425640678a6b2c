import type * as port from '../application/provider/provider.port';
import { systemClock, type Clock } from '../domain/shared/ports';
import { type TemplateSnapshot } from '../domain/template/template';
import { isKernelError } from '../kernel';
import { inMemoryProviderAssignments, type ProviderAssignments } from './stores';
import { CircuitBreaker, type BreakerStore, type ProviderHealth } from './circuit-breaker';
import { checkCompositeOptions, type CompositeProviderOptions, type NamedProvider } from './composite-options';
import { NoProviderAvailableError, type ProvisionAttempt } from './errors';
import { own, ownMachine, ownNotice, ownProvision, splitByOwner } from './owned-ids';
import { routeOf, Selector, type SelectionPolicy } from './routing';

/**
 * A {@link port.ProviderPort} over several named providers: routes each template to the providers it
 * names, orders them by policy, skips those whose breaker is open, fails over when one refuses
 * before launching anything, and routes every later call by the provider prefix of stored ids.
 */
export class CompositeProvider implements port.ProviderPort {
  readonly #providers: ReadonlyMap<string, NamedProvider>;
  readonly #names: readonly string[];
  readonly #breakers = new Map<string, CircuitBreaker>();
  readonly #selector = new Selector();
  readonly #policy: SelectionPolicy;
  readonly #assignments: ProviderAssignments;
  readonly #isRefusal: (error: unknown) => boolean;
  readonly #breakerStore: BreakerStore | undefined;

  /** Optional in {@link port.ProviderPort}: present only when every provider implements it. */
  readonly cancelProvision?: (input: port.CancelProvisionInput) => Promise<port.CancelProvisionResult>;

  constructor(options: CompositeProviderOptions) {
    const settings = checkCompositeOptions(options);
    this.#providers = new Map(options.providers.map((p) => [p.name, p]));
    this.#names = options.providers.map((p) => p.name);
    const clock = options.clock ?? systemClock;
    for (const name of this.#names) this.#breakers.set(name, new CircuitBreaker(name, clock, settings.failureThreshold, settings.resetAfterMs));
    this.#policy = options.policy ?? 'priority';
    this.#assignments = options.assignments ?? inMemoryProviderAssignments();
    this.#breakerStore = options.breakerStore;
    this.#isRefusal = options.isRefusal ?? ((error) => !isKernelError(error, 'TIMEOUT'));
    if (options.providers.every((p) => typeof p.provider.cancelProvision === 'function')) this.cancelProvision = (input) => this.#cancel(input);
  }

  /** Refuses a template naming an unknown provider or an unknown policy (called by the library at import). */
  checkTemplate(template: TemplateSnapshot): void {
    routeOf(template, this.#names, this.#policy);
  }

  async provision(input: port.ProvisionInput): Promise<port.ProvisionResult> {
    const route = routeOf(input.template, this.#names, this.#policy);
    await this.#loadBreakers();
    const assigned = await this.#assignments.get(input.requestId);
    const ordered = this.#selector.order(
      input.template.templateId,
      route.policy,
      route.providers.map((name) => ({ name, weight: this.#providers.get(name)?.weight ?? 1, lastFailureAt: this.#breaker(name).lastFailureAt() })),
    );
    // A provider already asked for this request goes first whatever its breaker says (and even if
    // the template no longer names it): its call may have started machines, and only asking it
    // again (provision is idempotent) finds them.
    const names = assigned !== undefined && this.#providers.has(assigned) ? [assigned, ...ordered.map((c) => c.name).filter((n) => n !== assigned)] : ordered.map((c) => c.name);
    const attempts: ProvisionAttempt[] = [];
    for (const name of names) {
      const breaker = this.#breaker(name);
      if (name !== assigned && !breaker.allows()) {
        attempts.push({ provider: name, outcome: 'skipped', message: `circuit open until ${breaker.snapshot().openUntil}` });
        continue;
      }
      await this.#assignments.put(input.requestId, name);
      try {
        const result = await this.#child(name).provision(input);
        if (breaker.success()) await this.#saveBreaker(breaker);
        return ownProvision(name, result);
      } catch (error) {
        breaker.failure(error);
        await this.#saveBreaker(breaker);
        // Only a refusal proves nothing was launched; anything else stays with this provider.
        if (!this.#isRefusal(error)) throw error;
        attempts.push({ provider: name, outcome: 'refused', message: error instanceof Error ? error.message : String(error) });
      }
    }
    throw new NoProviderAvailableError(input.template.templateId, input.requestId, attempts);
  }

  async describe(input: port.DescribeInput): Promise<port.ProviderMachine[]> {
    const machines = splitByOwner(input.machineIds, this.#known());
    const resources = splitByOwner(input.resourceIds, this.#known());
    const owners = await this.#owners(input.requestId, machines.byProvider, resources.byProvider);
    const unownedIds = new Set([...machines.unowned, ...resources.unowned]);
    const answers = await this.#each(owners, (name, provider) =>
      provider.describe({
        requestId: input.requestId,
        machineIds: [...(machines.byProvider.get(name) ?? []), ...machines.unowned],
        resourceIds: [...(resources.byProvider.get(name) ?? []), ...resources.unowned],
      }),
    );
    const seen = new Map<string, port.ProviderMachine>();
    for (const [name, reports] of answers) {
      for (const report of reports) {
        // An id stored before the composite existed (no prefix) is answered as it was asked.
        const owned = unownedIds.has(report.machineId) ? report : ownMachine(name, report);
        if (!seen.has(owned.machineId)) seen.set(owned.machineId, owned);
      }
    }
    return [...seen.values()];
  }

  async terminate(input: port.TerminateInput): Promise<port.TerminateResult> {
    const split = splitByOwner(input.machineIds, this.#known());
    const owners = split.unowned.length > 0 ? this.#names : [...split.byProvider.keys()];
    const answers = await this.#each(owners, (name, provider) =>
      provider.terminate({ requestId: input.requestId, machineIds: [...(split.byProvider.get(name) ?? []), ...split.unowned] }),
    );
    const failed = new Map<string, string>();
    const accepted = new Set<string>();
    for (const [name, result] of answers) {
      const id = (machineId: string): string => (split.unowned.includes(machineId) ? machineId : own(name, machineId));
      for (const f of result.failed) failed.set(id(f.machineId), `${name}: ${f.message}`);
      for (const a of result.accepted) accepted.add(id(a));
    }
    // An unowned id went to every provider: accepted only when none refused it.
    return {
      accepted: input.machineIds.filter((m, i) => input.machineIds.indexOf(m) === i && accepted.has(m) && !failed.has(m)),
      failed: [...failed].map(([machineId, message]) => ({ machineId, message })),
    };
  }

  /** Every provider's notices; a provider that fails is left out (asked again next time) unless all fail. */
  async reclaimNotices(): Promise<port.ReclaimNotice[]> {
    const settled = await Promise.allSettled(this.#names.map(async (name) => (await this.#call(name, (p) => p.reclaimNotices())).map((n) => ownNotice(name, n))));
    const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (rejected !== undefined && settled.every((s) => s.status === 'rejected')) throw rejected.reason;
    return settled.flatMap((s) => (s.status === 'fulfilled' ? s.value : []));
  }

  /** Each provider's breaker, as it stands now on the clock. */
  health(): ProviderHealth[] {
    return this.#names.map((name) => this.#breaker(name).snapshot());
  }

  /** Runs every provider's `healthCheck` (those without one are reported as they stand); a pass closes its breaker, a failure counts. */
  async checkHealth(): Promise<ProviderHealth[]> {
    await this.#loadBreakers();
    await Promise.all(
      this.#names.map(async (name) => {
        const check = this.#providers.get(name)?.healthCheck;
        if (check === undefined) return;
        const breaker = this.#breaker(name);
        try {
          await check();
          if (breaker.success()) await this.#saveBreaker(breaker);
        } catch (error) {
          breaker.failure(error);
          await this.#saveBreaker(breaker);
        }
      }),
    );
    return this.health();
  }

  async #loadBreakers(): Promise<void> {
    if (this.#breakerStore === undefined) return;
    for (const record of await this.#breakerStore.load(this.#names)) this.#breakers.get(record.provider)?.restore(record);
  }

  async #saveBreaker(breaker: CircuitBreaker): Promise<void> {
    await this.#breakerStore?.save(breaker.record());
  }

  async #cancel(input: port.CancelProvisionInput): Promise<port.CancelProvisionResult> {
    const machines = splitByOwner(input.machineIds, this.#known());
    const resources = splitByOwner(input.resourceIds, this.#known());
    const owners = await this.#owners(input.requestId, machines.byProvider, resources.byProvider);
    const answers = await this.#each(owners, (name, provider) =>
      provider.cancelProvision!({
        requestId: input.requestId,
        machineIds: [...(machines.byProvider.get(name) ?? []), ...machines.unowned],
        resourceIds: [...(resources.byProvider.get(name) ?? []), ...resources.unowned],
      }),
    );
    return { released: [...new Set(answers.flatMap(([name, r]) => r.released.map((id) => own(name, id))))] };
  }

  /** Providers owning any of the ids, else the one the request was assigned to, else all of them. */
  async #owners(requestId: string, ...owned: ReadonlyMap<string, string[]>[]): Promise<readonly string[]> {
    const named = new Set(owned.flatMap((m) => [...m.keys()]));
    if (named.size > 0) return [...named];
    const assigned = await this.#assignments.get(requestId);
    return assigned !== undefined && this.#providers.has(assigned) ? [assigned] : this.#names;
  }

  /** Calls `names` in parallel; all must answer (the library retries the whole call on a throw). */
  async #each<T>(names: readonly string[], call: (name: string, provider: port.ProviderPort) => Promise<T>): Promise<[string, T][]> {
    return Promise.all(names.map(async (name) => [name, await this.#call(name, (p) => call(name, p))] as [string, T]));
  }

  /** One call to a provider; a failure counts against its breaker (only a provision or health check closes it). */
  async #call<T>(name: string, call: (provider: port.ProviderPort) => Promise<T>): Promise<T> {
    try {
      return await call(this.#child(name));
    } catch (error) {
      this.#breaker(name).failure(error);
      // Saving is best effort here: the provider's own error is what the caller must see.
      await this.#saveBreaker(this.#breaker(name)).catch(() => undefined);
      throw error;
    }
  }

  #child(name: string): port.ProviderPort {
    return this.#providers.get(name)!.provider;
  }

  #breaker(name: string): CircuitBreaker {
    return this.#breakers.get(name)!;
  }

  #known(): { has(name: string): boolean } {
    return this.#providers;
  }
}

/** A {@link CompositeProvider} over `options.providers`; throws `INVALID_CONFIGURATION` naming every problem in the options. */
export function createCompositeProvider(options: CompositeProviderOptions): CompositeProvider {
  return new CompositeProvider(options);
}
