import type { Clock } from '../domain/shared/ports';

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

/** What a {@link BreakerStore} keeps of one provider's breaker (times in ms since the epoch). */
export interface BreakerRecord {
  readonly provider: string;
  readonly consecutiveFailures: number;
  readonly openedAt: number | null;
  readonly lastFailureAt: number | null;
  readonly lastError: string | null;
}

/**
 * Where breakers are kept between processes (a Symphony provider is a new process per call, so a
 * breaker kept only in memory would forget every failure). Last writer wins: breakers are advisory.
 */
export interface BreakerStore {
  /** The stored records of `providers` (absent ones are closed breakers). */
  load(providers: readonly string[]): Promise<BreakerRecord[]>;
  save(record: BreakerRecord): Promise<void>;
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

  /** Resets to closed; true when that changed something (so the record needs saving). */
  success(): boolean {
    const changed = this.#failures !== 0 || this.#openedAt !== null;
    this.#failures = 0;
    this.#openedAt = null;
    return changed;
  }

  /** What a {@link BreakerStore} keeps. */
  record(): BreakerRecord {
    return { provider: this.provider, consecutiveFailures: this.#failures, openedAt: this.#openedAt, lastFailureAt: this.#lastFailureAt, lastError: this.#lastError };
  }

  /** Takes the stored state (another process's failures count here too). */
  restore(record: BreakerRecord): void {
    this.#failures = record.consecutiveFailures;
    this.#openedAt = record.openedAt;
    this.#lastFailureAt = record.lastFailureAt;
    this.#lastError = record.lastError;
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
