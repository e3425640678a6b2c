import type { Clock } from '../domain';

/** Where a provider's circuit breaker stands. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** Options of the per-provider circuit breaker. */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker (default 3). */
  readonly failureThreshold?: number;
  /** How long an open breaker keeps new provisions away before letting a trial through (default 60,000 ms). */
  readonly resetAfterMs?: number;
}

/** A provider's health as the composite sees it (see `CompositeProvider.health`). */
export interface ProviderHealth {
  readonly provider: string;
  readonly state: BreakerState;
  readonly consecutiveFailures: number;
  /** When the last failure happened (ISO 8601), `null` if none yet. */
  readonly lastFailureAt: string | null;
  readonly lastError: string | null;
  /** When an open breaker half-opens (ISO 8601); `null` unless open. */
  readonly openUntil: string | null;
}

/**
 * One provider's breaker: `failureThreshold` consecutive failures open it; after `resetAfterMs` on
 * the clock it is half-open and lets provisions through again; the first success closes it, a
 * failure opens it for another `resetAfterMs`. Time comes from the clock port only.
 */
export class CircuitBreaker {
  #failures = 0;
  #openedAt: number | null = null;
  #lastFailureAt: number | null = null;
  #lastError: string | null = null;

  constructor(
    readonly provider: string,
    private readonly clock: Clock,
    private readonly threshold: number,
    private readonly resetAfterMs: number,
  ) {}

  state(): BreakerState {
    if (this.#openedAt === null) return 'closed';
    return this.clock.now().getTime() >= this.#openedAt + this.resetAfterMs ? 'half-open' : 'open';
  }

  /** True unless open: a closed breaker and a half-open one's trial may go ahead. */
  allows(): boolean {
    return this.state() !== 'open';
  }

  /** When the last failure happened (ms since epoch), `-Infinity` if never. */
  lastFailureAt(): number {
    return this.#lastFailureAt ?? Number.NEGATIVE_INFINITY;
  }

  success(): void {
    this.#failures = 0;
    this.#openedAt = null;
  }

  failure(error: unknown): void {
    const now = this.clock.now().getTime();
    const previous = this.state();
    this.#failures += 1;
    this.#lastFailureAt = now;
    this.#lastError = error instanceof Error ? error.message : String(error);
    // A failed trial opens the breaker again at once; a closed one opens at the threshold.
    if (previous === 'half-open' || (previous === 'closed' && this.#failures >= this.threshold)) this.#openedAt = now;
  }

  snapshot(): ProviderHealth {
    const state = this.state();
    return {
      provider: this.provider,
      state,
      consecutiveFailures: this.#failures,
      lastFailureAt: this.#lastFailureAt === null ? null : new Date(this.#lastFailureAt).toISOString(),
      lastError: this.#lastError,
      openUntil: state === 'open' && this.#openedAt !== null ? new Date(this.#openedAt + this.resetAfterMs).toISOString() : null,
    };
  }
}
