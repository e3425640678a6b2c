import type { DomainContext, IdGenerator } from '../../../src/domain/shared/ports';

/** Deterministic UUID v4 generator: 00000000-0000-4000-8000-000000000001, ...002, ... */
export function sequentialIds(start = 1): IdGenerator {
  let next = start;
  return {
    uuid: () => `00000000-0000-4000-8000-${(next++).toString(16).padStart(12, '0')}`,
  };
}

export const T0 = new Date('2026-01-01T00:00:00.000Z');

/** A clock the test moves by hand, with contexts stamped at its current time. */
export class TestClock {
  #now: Date;
  readonly ids: IdGenerator;

  constructor(start: Date = T0, ids: IdGenerator = sequentialIds()) {
    this.#now = new Date(start);
    this.ids = ids;
  }

  get now(): Date {
    return new Date(this.#now);
  }

  advance(seconds: number): this {
    this.#now = new Date(this.#now.getTime() + seconds * 1000);
    return this;
  }

  ctx(extra: Partial<Pick<DomainContext, 'correlationId' | 'causationId'>> = {}): DomainContext {
    return { now: this.now, ids: this.ids, ...extra };
  }
}

/** A one-off context at `at` (default T0) with fresh sequential ids. */
export function ctxAt(at: Date = T0, ids: IdGenerator = sequentialIds()): DomainContext {
  return { now: at, ids };
}
