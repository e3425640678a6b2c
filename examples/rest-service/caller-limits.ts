import { KernelError } from 'hostfactory-kernel';
import type { ErrorHeaders } from './access';
import type { Principal } from './auth';

/** Options of {@link CallerLimits}. */
export interface CallerLimitOptions {
  /** Most machines one `POST /requests` may ask for; default 100. */
  readonly maxMachinesPerRequest?: number;
  /** Most machines one caller may ask for in any hour (a sliding window); default 500. */
  readonly maxMachinesPerHour?: number;
  /** Milliseconds since the epoch; default `Date.now`. */
  readonly now?: () => number;
}

/** Asking for more machines in one request than a caller may: 422 `MACHINE_LIMIT_EXCEEDED` (retrying cannot help). */
export class MachineLimitError extends KernelError {
  constructor(machineCount: number, maxMachinesPerRequest: number) {
    super('MACHINE_LIMIT_EXCEEDED', `One request may ask for at most ${maxMachinesPerRequest} machines; split the ${machineCount} into several requests.`, {
      details: { machineCount, maxMachinesPerRequest },
    });
  }
}

/** The caller's hourly machine budget is spent: 429 `RATE_LIMITED` with `Retry-After` (seconds). */
export class RateLimitedError extends KernelError implements ErrorHeaders {
  readonly httpHeaders: Readonly<Record<string, string>>;

  constructor(machineCount: number, maxMachinesPerHour: number, retryAfterSeconds: number) {
    super('RATE_LIMITED', `You may request ${maxMachinesPerHour} machines per hour; ${machineCount} more fit again in ${retryAfterSeconds} s (see Retry-After).`, {
      details: { machineCount, maxMachinesPerHour, retryAfterSeconds },
    });
    this.httpHeaders = { 'retry-after': String(retryAfterSeconds) };
  }
}

/** Machines held against a caller's hour until {@link Reservation.release} (the request failed). */
export interface Reservation {
  /** The request was admitted as `requestId`; a replay of one already counted (idempotency) is released. */
  commit(requestId: string): void;
  /** Nothing was provisioned: give the machines back. */
  release(): void;
}

interface Entry {
  readonly at: number;
  readonly count: number;
  readonly idempotencyKey: string | undefined;
  requestId?: string;
}

const NOTHING_HELD: Reservation = { commit: () => undefined, release: () => undefined };

const HOUR_MS = 3_600_000;

/**
 * Per-caller machine limits (caller = tenant + subject), in this process's memory: a service with
 * several replicas needs a shared store (docs/rest-service.md, Security). Reserve before dispatching
 * so concurrent requests cannot overshoot together.
 */
export class CallerLimits {
  readonly maxMachinesPerRequest: number;
  readonly maxMachinesPerHour: number;
  private readonly now: () => number;
  private readonly callers = new Map<string, Entry[]>();
  private sweptAt = 0;

  /** Throws `INVALID_CONFIGURATION` unless both limits are positive integers, per request ≤ per hour. */
  constructor(options: CallerLimitOptions = {}) {
    this.maxMachinesPerRequest = options.maxMachinesPerRequest ?? 100;
    this.maxMachinesPerHour = options.maxMachinesPerHour ?? 500;
    this.now = options.now ?? Date.now;
    const valid = (n: number) => Number.isSafeInteger(n) && n > 0;
    if (!valid(this.maxMachinesPerRequest) || !valid(this.maxMachinesPerHour) || this.maxMachinesPerRequest > this.maxMachinesPerHour) {
      throw new KernelError('INVALID_CONFIGURATION', 'limits.maxMachinesPerRequest and limits.maxMachinesPerHour must be positive integers, per request ≤ per hour.');
    }
  }

  /**
   * Holds `machineCount` against `caller`'s hour; throws {@link MachineLimitError} or
   * {@link RateLimitedError}. A retry with an `idempotencyKey` already held this hour holds nothing
   * more (it answers the first request), so a client retrying after a lost reply is never refused.
   */
  reserve(caller: Principal, machineCount: number, idempotencyKey?: string): Reservation {
    if (machineCount > this.maxMachinesPerRequest) throw new MachineLimitError(machineCount, this.maxMachinesPerRequest);
    const now = this.now();
    this.sweep(now);
    const key = `${caller.tenant}\u0000${caller.subject}`;
    const entries = (this.callers.get(key) ?? []).filter((e) => e.at > now - HOUR_MS);
    if (idempotencyKey !== undefined && entries.some((e) => e.idempotencyKey === idempotencyKey)) return NOTHING_HELD;
    let used = entries.reduce((sum, e) => sum + e.count, 0);
    if (used + machineCount > this.maxMachinesPerHour) {
      // The oldest reservations leave the window first: wait until enough of them have.
      let retryAt = now;
      for (const entry of entries) {
        if (used + machineCount <= this.maxMachinesPerHour) break;
        used -= entry.count;
        retryAt = entry.at + HOUR_MS;
      }
      this.callers.set(key, entries);
      throw new RateLimitedError(machineCount, this.maxMachinesPerHour, Math.max(1, Math.ceil((retryAt - now) / 1000)));
    }
    const entry: Entry = { at: now, count: machineCount, idempotencyKey };
    entries.push(entry);
    this.callers.set(key, entries);
    const release = () => {
      const list = this.callers.get(key);
      const at = list?.indexOf(entry) ?? -1;
      if (at >= 0) list!.splice(at, 1);
      if (list?.length === 0) this.callers.delete(key);
    };
    return {
      commit: (requestId) => {
        if (this.callers.get(key)?.some((e) => e !== entry && e.requestId === requestId)) release();
        else entry.requestId = requestId;
      },
      release,
    };
  }

  /** Forgets callers whose reservations all left the window (at most once a minute), so memory stays bounded. */
  private sweep(now: number): void {
    if (now - this.sweptAt < 60_000) return;
    this.sweptAt = now;
    for (const [key, entries] of this.callers) if (entries.every((e) => e.at <= now - HOUR_MS)) this.callers.delete(key);
  }
}
