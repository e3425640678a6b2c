import type * as port from '../application/provider/provider.port';
import type { Clock } from '../domain/shared/ports';
import type { BreakerStore, CircuitBreakerOptions } from './circuit-breaker';
import type { ProviderAssignments } from './stores';
import { invalidComposite } from './errors';
import { SELECTION_POLICIES, type SelectionPolicy } from './routing';

/** One cloud behind a `CompositeProvider`. */
export interface NamedProvider {
  /** Stable name (`A-Z a-z 0-9 _ . -`, 1–64): it prefixes the ids the library stores, so never rename a provider that owns machines. */
  readonly name: string;
  readonly provider: port.ProviderPort;
  /** Share for the `weighted` policy (a positive integer, default 1). */
  readonly weight?: number;
  /** A cheap call proving the cloud answers (e.g. a describe of nothing); run by `checkHealth()`. */
  readonly healthCheck?: () => Promise<void>;
}

/** Options of {@link createCompositeProvider}. */
export interface CompositeProviderOptions {
  /** The clouds, in priority order. */
  readonly providers: readonly NamedProvider[];
  /** Policy for templates that do not set `providerPolicy` (default `priority`). */
  readonly policy?: SelectionPolicy;
  readonly breaker?: CircuitBreakerOptions;
  /** Time for the breakers (default the system clock; pass the host factory's clock). */
  readonly clock?: Clock;
  /** Where each acquire request's provider is recorded (default in memory; see `readModelProviderAssignments`). */
  readonly assignments?: ProviderAssignments;
  /** Where breakers are kept between processes (default: memory only; see `readModelBreakerStore`). */
  readonly breakerStore?: BreakerStore;
  /**
   * Whether a provision error means the provider launched nothing, so the next provider may be
   * asked (default: every error except the library's `TIMEOUT`, as the ProviderPort contract says).
   */
  readonly isRefusal?: (error: unknown) => boolean;
}


const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const PROVIDER_METHODS = ['provision', 'describe', 'terminate', 'reclaimNotices'] as const;

/** The breaker settings of valid options; throws `INVALID_CONFIGURATION` listing every problem. */
export function checkCompositeOptions(options: CompositeProviderOptions): { failureThreshold: number; resetAfterMs: number } {
  const problems: string[] = [];
  const providers: readonly unknown[] = Array.isArray(options?.providers) ? options.providers : [];
  if (providers.length === 0) problems.push('providers must be a non-empty array of { name, provider }');
  const names = new Set<string>();
  providers.forEach((entry, index) => {
    const { name, provider, weight, healthCheck } = (entry ?? {}) as Record<string, unknown>;
    const at = `providers[${index}]`;
    if (typeof name !== 'string' || !NAME.test(name)) problems.push(`${at}.name must be 1-64 of A-Z a-z 0-9 _ . - starting with a letter or digit (it prefixes stored ids), got ${JSON.stringify(name)}`);
    else if (names.has(name)) problems.push(`${at}.name "${name}" is used twice; give each provider its own name`);
    else names.add(name);
    for (const method of PROVIDER_METHODS) {
      if (typeof (provider as Record<string, unknown> | undefined)?.[method] !== 'function') problems.push(`${at}.provider.${method}() is missing`);
    }
    if (weight !== undefined && !(Number.isInteger(weight) && (weight as number) > 0)) problems.push(`${at}.weight must be a positive integer, got ${String(weight)}`);
    if (healthCheck !== undefined && typeof healthCheck !== 'function') problems.push(`${at}.healthCheck must be a function`);
  });
  if (options?.policy !== undefined && !SELECTION_POLICIES.includes(options.policy)) problems.push(`policy must be one of ${SELECTION_POLICIES.join(', ')}, got ${String(options.policy)}`);
  const failureThreshold = options?.breaker?.failureThreshold ?? 3;
  const resetAfterMs = options?.breaker?.resetAfterMs ?? 60_000;
  if (!(Number.isInteger(failureThreshold) && failureThreshold >= 1)) problems.push(`breaker.failureThreshold must be an integer ≥ 1, got ${String(failureThreshold)}`);
  if (!(Number.isInteger(resetAfterMs) && resetAfterMs >= 0)) problems.push(`breaker.resetAfterMs must be an integer of milliseconds ≥ 0, got ${String(resetAfterMs)}`);
  if (options?.clock !== undefined && typeof options.clock.now !== 'function') problems.push('clock must have now()');
  if (options?.assignments !== undefined && (typeof options.assignments.get !== 'function' || typeof options.assignments.put !== 'function')) problems.push('assignments must have get() and put()');
  if (options?.breakerStore !== undefined && (typeof options.breakerStore.load !== 'function' || typeof options.breakerStore.save !== 'function')) problems.push('breakerStore must have load() and save()');
  if (problems.length > 0) throw invalidComposite(problems);
  return { failureThreshold, resetAfterMs };
}
