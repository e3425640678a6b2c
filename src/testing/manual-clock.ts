import type { Clock, IdGenerator } from '../domain/shared/ports';

/** Where a {@link ManualClock} starts unless told otherwise. */
export const MANUAL_CLOCK_START = '2026-01-01T00:00:00.000Z';

/** A span of time: milliseconds, or parts that are added together (`{ minutes: 1, seconds: 30 }`). */
export type Duration = number | { readonly hours?: number; readonly minutes?: number; readonly seconds?: number; readonly ms?: number };

/**
 * A {@link Clock} that only moves when told to. `now()` returns a fresh copy each time, so callers
 * cannot move it by mutating a Date. It never goes backwards: a negative advance or an earlier
 * `set` throws RangeError and leaves the time unchanged.
 */
export class ManualClock implements Clock {
  #now: number;

  /** Starts at `start` (a Date or an ISO-8601 string; default {@link MANUAL_CLOCK_START}); an invalid date throws RangeError. */
  constructor(start: Date | string = MANUAL_CLOCK_START) {
    this.#now = instant(start, 'ManualClock start');
  }

  /** The current instant, as a new Date. */
  now(): Date {
    return new Date(this.#now);
  }

  /** Moves the clock forward by `duration` (ms or parts) and returns the new instant; negative or non-finite → RangeError. */
  advance(duration: Duration): Date {
    const ms = toMilliseconds(duration);
    if (ms < 0) throw new RangeError(`ManualClock.advance: the clock never goes backwards, got ${ms} ms`);
    return this.#moveTo(this.#now + ms);
  }

  /** Moves the clock to `date` and returns it; an instant before the current one → RangeError. */
  set(date: Date | string): Date {
    const target = instant(date, 'ManualClock.set');
    if (target < this.#now) {
      throw new RangeError(`ManualClock.set: the clock never goes backwards, ${new Date(target).toISOString()} is before ${new Date(this.#now).toISOString()}`);
    }
    return this.#moveTo(target);
  }

  #moveTo(target: number): Date {
    instant(new Date(target), 'ManualClock');
    this.#now = target;
    return this.now();
  }
}

/** Milliseconds in `duration`; throws RangeError for a non-finite number or part. */
export function toMilliseconds(duration: Duration): number {
  if (typeof duration === 'number') return finite(duration, 'duration');
  const { hours = 0, minutes = 0, seconds = 0, ms = 0 } = duration;
  return finite(hours, 'hours') * 3_600_000 + finite(minutes, 'minutes') * 60_000 + finite(seconds, 'seconds') * 1000 + finite(ms, 'ms');
}

/**
 * An {@link IdGenerator} whose `uuid()` counts up from `seed + 1`: `00000000-0000-4000-8000-000000000001`,
 * then `…002`, … — canonical lower-case UUID v4 text (version nibble 4, variant 8). Each call to
 * `sequentialIds` starts its own counter; `seed` must be a non-negative safe integer (RangeError).
 */
export function sequentialIds(seed = 0): IdGenerator {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`sequentialIds: seed must be a non-negative safe integer, got ${String(seed)}`);
  let next = seed;
  return {
    uuid: () => {
      if (next >= Number.MAX_SAFE_INTEGER) throw new RangeError('sequentialIds: the counter is exhausted');
      next += 1;
      const high = Math.floor(next / 2 ** 48).toString(16).padStart(8, '0');
      const low = (next % 2 ** 48).toString(16).padStart(12, '0');
      return `${high}-0000-4000-8000-${low}`;
    },
  };
}

function instant(value: Date | string, what: string): number {
  const time = (typeof value === 'string' ? new Date(value) : value).getTime();
  if (Number.isNaN(time)) throw new RangeError(`${what}: not a valid date: ${String(value)}`);
  return time;
}

function finite(value: number, what: string): number {
  if (!Number.isFinite(value)) throw new RangeError(`ManualClock: ${what} must be a finite number, got ${String(value)}`);
  return value;
}
