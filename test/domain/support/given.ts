import { expect } from 'vitest';
import { isKernelError } from '../../../src/kernel/errors';
import type { DomainEvent } from '../../../src/domain/shared/domain-event';

/** What the given/when/then helper needs from an aggregate. */
export interface Aggregate {
  readonly version: number;
  pullEvents(): DomainEvent[];
  toSnapshot(): unknown;
}

interface Outcome<A> {
  /** The call succeeded, bumped the version by one and recorded exactly these event types. */
  thenRecords(...types: DomainEvent['type'][]): { aggregate: A; events: DomainEvent[] };
  /** The call succeeded and changed nothing: same snapshot, same version, no events. */
  thenNothingChanges(): void;
  /** The call threw a KernelError with `code` and changed nothing. */
  thenFailsWith(code: string): { error: Error & { details: Record<string, unknown> } };
}

/**
 * given(aggregate).when(a => a.doSomething(ctx)).thenRecords('SomethingHappened').
 * Events recorded before `when` are discarded so each step is judged on its own.
 */
export function given<A extends Aggregate>(aggregate: A): { when(act: (a: A) => void): Outcome<A> } {
  aggregate.pullEvents();
  return {
    when(act) {
      const before = structuredClone(aggregate.toSnapshot());
      const version = aggregate.version;
      let error: unknown;
      try {
        act(aggregate);
      } catch (caught) {
        error = caught;
      }
      const events = aggregate.pullEvents();
      return {
        thenRecords(...types) {
          if (error !== undefined) throw error;
          expect(events.map((e) => e.type)).toEqual(types);
          expect(aggregate.version).toBe(version + 1);
          for (const event of events) expect(event.aggregateVersion).toBe(version + 1);
          return { aggregate, events };
        },
        thenNothingChanges() {
          if (error !== undefined) throw error;
          expect(events).toEqual([]);
          expect(aggregate.version).toBe(version);
          expect(aggregate.toSnapshot()).toEqual(before);
        },
        thenFailsWith(code) {
          expect(error, `expected ${code}, but the call succeeded`).toBeDefined();
          expect(isKernelError(error, code), `expected ${code}, got ${String(error)}`).toBe(true);
          expect(events).toEqual([]);
          expect(aggregate.version).toBe(version);
          expect(aggregate.toSnapshot()).toEqual(before);
          return { error: error as Error & { details: Record<string, unknown> } };
        },
      };
    },
  };
}

/** Runs `act` and returns the thrown KernelError (fails the test if it does not throw one with `code`). */
export function expectFailure(act: () => unknown, code: string): Error & { details: Record<string, unknown>; issues?: { path: string }[] } {
  try {
    act();
  } catch (error) {
    expect(isKernelError(error, code), `expected ${code}, got ${String(error)}`).toBe(true);
    return error as Error & { details: Record<string, unknown> };
  }
  throw new Error(`expected ${code}, but nothing was thrown`);
}

/** The `path`s of a VALIDATION_FAILED error. */
/** The subject (`Invalid <subject>: ...`) and the issues of the VALIDATION_FAILED `act` throws. */
export function refusal(act: () => unknown): { subject: string; issues: { path: string; constraint: string; message: string }[] } {
  const error = expectFailure(act, 'VALIDATION_FAILED') as unknown as { details: { subject: string }; issues: { path: string; constraint: string; message: string }[] };
  return { subject: error.details.subject, issues: [...error.issues] };
}

export function issuePaths(act: () => unknown): string[] {
  const error = expectFailure(act, 'VALIDATION_FAILED') as unknown as { issues: { path: string }[] };
  return error.issues.map((i) => i.path);
}
