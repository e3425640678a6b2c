import type { TemplateSnapshot } from '../domain/template/template';
import { ProviderRoutingError } from './errors';

/** How the composite orders the providers a template may use. */
export type SelectionPolicy = 'priority' | 'weighted' | 'round-robin' | 'least-recently-failed';

/** The policies, in the order the docs list them. */
export const SELECTION_POLICIES: readonly SelectionPolicy[] = ['priority', 'weighted', 'round-robin', 'least-recently-failed'];

/** Template keys the composite reads (from the template's provider keys). */
export const ROUTING_KEYS = { provider: 'providerName', policy: 'providerPolicy' } as const;

/** Where a template may run and how to choose among them. */
export interface TemplateRoute {
  /** Provider names in the template's order (every configured provider when it names none). */
  readonly providers: readonly string[];
  readonly policy: SelectionPolicy;
}

/**
 * The route of `template`: `providerName` is one provider name or a non-empty list of distinct
 * names; `providerPolicy` one of {@link SELECTION_POLICIES}. Throws {@link ProviderRoutingError}
 * naming the template and the key for an unknown name or a value of the wrong shape.
 */
export function routeOf(template: TemplateSnapshot, known: readonly string[], defaultPolicy: SelectionPolicy): TemplateRoute {
  const config = (template.providerConfig ?? {}) as Record<string, unknown>;
  const raw = config[ROUTING_KEYS.provider];
  const policyRaw = config[ROUTING_KEYS.policy];
  const policy = policyRaw === undefined ? defaultPolicy : readPolicy(template.templateId, policyRaw);
  if (raw === undefined) return { providers: known, policy };
  const names = typeof raw === 'string' ? [raw] : raw;
  if (!Array.isArray(names) || names.length === 0 || !names.every((n): n is string => typeof n === 'string')) {
    throw new ProviderRoutingError('INVALID_PROVIDER_ROUTING', template.templateId, ROUTING_KEYS.provider, 'must be a provider name or a non-empty list of provider names', {
      value: raw,
      known,
    });
  }
  const repeated = names.filter((n, i) => names.indexOf(n) !== i);
  if (repeated.length > 0) {
    throw new ProviderRoutingError('INVALID_PROVIDER_ROUTING', template.templateId, ROUTING_KEYS.provider, `names ${JSON.stringify(repeated[0])} twice; list each provider once`, { value: raw });
  }
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0) {
    throw new ProviderRoutingError(
      'UNKNOWN_PROVIDER',
      template.templateId,
      ROUTING_KEYS.provider,
      `names ${unknown.map((n) => JSON.stringify(n)).join(', ')}, not a configured provider (configured: ${known.join(', ')}); correct the name or configure that provider`,
      { unknown, known },
    );
  }
  return { providers: names, policy };
}

function readPolicy(templateId: string, raw: unknown): SelectionPolicy {
  if (typeof raw === 'string' && (SELECTION_POLICIES as readonly string[]).includes(raw)) return raw as SelectionPolicy;
  throw new ProviderRoutingError('INVALID_PROVIDER_ROUTING', templateId, ROUTING_KEYS.policy, `must be one of ${SELECTION_POLICIES.join(', ')}`, { value: raw });
}

/** What a policy may consult about a provider. */
export interface Candidate {
  readonly name: string;
  readonly weight: number;
  readonly lastFailureAt: number;
}

/**
 * Orders candidates by policy. Round robin and smooth weighted round robin keep a counter per
 * template in memory: after a restart they start again, which only shifts the spread.
 */
export class Selector {
  readonly #turns = new Map<string, number>();
  readonly #credits = new Map<string, Map<string, number>>();

  order(templateId: string, policy: SelectionPolicy, candidates: readonly Candidate[]): Candidate[] {
    switch (policy) {
      case 'priority':
        return [...candidates];
      case 'round-robin': {
        const turn = this.#turns.get(templateId) ?? 0;
        this.#turns.set(templateId, turn + 1);
        const start = turn % Math.max(candidates.length, 1);
        return [...candidates.slice(start), ...candidates.slice(0, start)];
      }
      case 'weighted':
        return this.#weighted(templateId, candidates);
      case 'least-recently-failed':
        // Array.prototype.sort is stable: ties keep the template's order.
        return [...candidates].sort((a, b) => a.lastFailureAt - b.lastFailureAt);
    }
  }

  /** Smooth weighted round robin (as nginx balances upstreams): over n picks each gets weight/total of the first places. */
  #weighted(templateId: string, candidates: readonly Candidate[]): Candidate[] {
    const credits = this.#credits.get(templateId) ?? new Map<string, number>();
    this.#credits.set(templateId, credits);
    const total = candidates.reduce((sum, c) => sum + c.weight, 0);
    let best: Candidate | undefined;
    for (const c of candidates) {
      const credit = (credits.get(c.name) ?? 0) + c.weight;
      credits.set(c.name, credit);
      if (best === undefined || credit > (credits.get(best.name) ?? 0)) best = c;
    }
    if (best === undefined) return [];
    credits.set(best.name, (credits.get(best.name) ?? 0) - total);
    const rest = candidates.filter((c) => c !== best).sort((a, b) => b.weight - a.weight);
    return [best, ...rest];
  }
}
