import type { DomainEvent, DomainEventType } from '../../domain/shared/domain-event';
import type { Command, KernelError, Query, ResultOf } from '../../kernel';
import type { TestHostFactory } from '../test-host-factory';
import type { AsymmetricMatcher } from './match';

export type { AsymmetricMatcher } from './match';

/**
 * A deep subset of `T` for expectations: objects need only some keys, strings may be a RegExp, and
 * any value may be an asymmetric matcher, any object with `asymmetricMatch(other)`: Jest's
 * (`expect.stringMatching(/abc/)`, typed), vitest's (`expect.any(String)`) or your own.
 */
export type ExpectedSubset<T> =
  | AsymmetricMatcher
  | (T extends string
      ? T | RegExp
      : T extends readonly (infer U)[]
        ? readonly ExpectedSubset<U>[]
        : T extends object
          ? { readonly [K in keyof T]?: ExpectedSubset<T[K]> }
          : T);

type ExpectedEventOf<E extends DomainEvent> = {
  readonly type: E['type'];
  readonly aggregateType?: E['aggregateType'];
  readonly aggregateId?: string | RegExp | AsymmetricMatcher;
  readonly aggregateVersion?: number | AsymmetricMatcher;
  readonly eventId?: string | RegExp | AsymmetricMatcher;
  readonly occurredAt?: string | Date | RegExp | AsymmetricMatcher;
  readonly correlationId?: string | RegExp | AsymmetricMatcher;
  readonly causationId?: string | RegExp | AsymmetricMatcher;
  readonly data?: ExpectedSubset<E['data']>;
};

/**
 * One event a scenario expects, matched as a subset: just its `type` (a string), or an object with
 * `type` and any of `aggregateId`, `data` (a deep subset) and the other event fields. `eventId` and
 * `occurredAt` are ignored unless given.
 */
export type ExpectedEvent = DomainEventType | { [E in DomainEvent as E['type']]: ExpectedEventOf<E> }[DomainEventType];

/** A setup step of {@link Scenario.given}: a command to execute, a domain event to append, or a function of the host factory. */
export type GivenStep = Command<unknown> | DomainEvent | ((hostFactory: TestHostFactory) => unknown);

/** What the `when` step did: its result or error, and every event committed from its start until everything settled. */
export interface ScenarioOutcome<T> {
  readonly result: T | undefined;
  /** What the step threw (undefined when it succeeded). */
  readonly error: unknown;
  /** Events with a position above the log head before `when`, in order. */
  readonly events: DomainEvent[];
  /** The event-log head just before `when`. */
  readonly headBefore: number;
}

/** Options of {@link scenario}. */
export interface ScenarioOptions {
  /** Limit for each wait for follow-on work (`settle()`) and for the `when` step itself. Default 5000 ms. */
  readonly timeoutMs?: number;
}

/** The `when` step of a {@link Scenario}; end it with one of the `then…` forms (it runs once, the first time one is called). */
export interface ScenarioWhen<T> {
  /** Passes when the step succeeded and committed exactly these events, in order (each matched as a subset). */
  then(expected: readonly ExpectedEvent[]): Promise<ScenarioOutcome<T>>;
  /** Passes when the step succeeded and its result contains `expected`, or `predicate(result)` neither throws nor returns false. */
  thenResult(expected: ExpectedSubset<T> | ((result: T) => unknown)): Promise<ScenarioOutcome<T>>;
  /** Passes when the step threw a KernelError with `code` (`VALIDATION_FAILED`, `TEMPLATE_NOT_FOUND`, …). */
  thenThrows(code: string): Promise<ScenarioOutcome<T> & { readonly error: KernelError }>;
  /** Passes when the step succeeded and committed no event (a query, a no-op, a dry run). */
  thenNothingHappened(): Promise<ScenarioOutcome<T>>;
  /** The outcome without judging it, for assertions of your own. */
  outcome(): Promise<ScenarioOutcome<T>>;
}

/**
 * Given/when/then on a test host factory. `given…` steps queue setup; `when(commandOrQuery)` (or a
 * function of the host factory) is the step under test; a `then…` form runs what is queued, waits
 * for all follow-on work (`settle()`) and judges it, failing with an Error that shows a diff.
 */
export interface Scenario {
  readonly hostFactory: TestHostFactory;
  /** Queues setup steps in order: commands are executed, domain events appended (see {@link givenEvents}), functions awaited. */
  given(...steps: GivenStep[]): this;
  /** Queues commands to execute through the command bus; the scenario fails if one throws. */
  givenCommands(...commands: Command<unknown>[]): this;
  /**
   * Queues events to append in one transaction through the outbox; projections and the host's event
   * handlers then see them as committed. Aggregates are stored as snapshots, so commands cannot load
   * what exists only in given events: use {@link givenCommands} for the write side.
   */
  givenEvents(...events: DomainEvent[]): this;
  /** The step under test: a command or a query through its bus, or any function of the host factory. */
  when<M extends Command<unknown> | Query<unknown>>(message: M): ScenarioWhen<ResultOf<M>>;
  when<T>(action: (hostFactory: TestHostFactory) => T | Promise<T>): ScenarioWhen<Awaited<T>>;
}
