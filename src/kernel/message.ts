import { ValidationError } from './errors';
import { toInstance } from './instance-plan';
import { collectIssues, deepFreeze, inspectPlain } from './validation';

/** Type-only key of a message's result type; never present at run time. */
declare const RESULT: unique symbol;
/** Type-only key that keeps commands and queries apart structurally. */
declare const KIND: unique symbol;

export { TRANSFORM_OPTIONS } from './instance-plan';

/** Shared behaviour of commands and queries: validation and construction from untrusted data. */
abstract class Message<TResult> {
  declare readonly [RESULT]: TResult;

  /** Set by `from()` once this instance is validated and deep-frozen: its verdict cannot change any more. */
  #validated = false;

  /**
   * Validates this message against its class-validator decorators and throws `ValidationError`
   * (`VALIDATION_FAILED`) listing every failing field with its full path. Undecorated properties are
   * rejected. A message built by `from()` was validated then and is not validated again.
   */
  validate(): void {
    // An instance made without the constructor (Object.create) has no such field: validate it.
    if (#validated in this && this.#validated) return;
    const issues = collectIssues(this);
    if (issues.length > 0) throw new ValidationError(this.constructor.name, issues);
  }

  /**
   * Builds a message from untrusted data, validates it and deep-freezes it. Anything that is not a
   * JSON object (null, an array, a string, a cycle, a `__proto__` key) is a `ValidationError`.
   * The first overload types the input as the message's fields ({@link MessageInput}), so editors
   * complete and check them; anything else (typed `unknown`, or partly untrusted) takes the second.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  static from<M extends Message<unknown>>(this: new (...args: any[]) => M, plain: MessageInput<M>): M;
  /** Untrusted input (parsed JSON, deliberately wrong test data): checked at run time only. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  static from<M extends Message<unknown>>(this: new (...args: any[]) => M, plain: unknown): M;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  static from<M extends Message<unknown>>(this: new (...args: any[]) => M, plain: unknown): M {
    const problems = inspectPlain(plain);
    if (problems.length > 0) throw new ValidationError(this.name, problems);
    const instance = toInstance(this, plain as object);
    instance.validate();
    deepFreeze(instance);
    // A private field stays writable on a frozen object, and no one else can set it.
    (instance as Message<unknown>).#validated = true;
    return instance;
  }
}

/**
 * Base class of commands: `class CreateThing extends Command<ThingId>`. The result type is carried
 * as a phantom member, so `commands.execute(new CreateThing())` is typed `Promise<ThingId>`.
 */
export abstract class Command<TResult = void> extends Message<TResult> {
  declare readonly [KIND]: 'command';
}

/**
 * Base class of queries: `class GetThing extends Query<ThingDto>`. Queries read; they never write
 * or call out. The result type is inferred by `queries.execute(query)`.
 */
export abstract class Query<TResult> extends Message<TResult> {
  declare readonly [KIND]: 'query';
}

/**
 * The plain input `X.from()` accepts when its type is known: the message's data fields (no methods,
 * no type-only keys), every one optional because fields with defaults may be left out and
 * validation reports the missing ones; an optional field also takes `null`. Nested objects and
 * arrays follow the same rule; a `Date` field also takes an ISO-8601 string.
 */
export type MessageInput<M> = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [K in keyof M as K extends symbol ? never : M[K] extends (...args: any[]) => any ? never : K]?: InputValue<M[K]> | (undefined extends M[K] ? null : never);
};

/** One field of a {@link MessageInput}. */
type InputValue<T> = unknown extends T
  ? T
  : T extends Date
    ? Date | string
    : T extends readonly (infer E)[]
      ? readonly InputValue<E>[]
      : T extends object
        ? MessageInput<T>
        : T;

/** The result type a command or query declares: `ResultOf<CreateThing>` is `ThingId`. */
export type ResultOf<M> = M extends Message<infer R> ? R : never;

/** A class whose instances are commands or queries of type `M`. */
export type MessageClass<M = unknown> = abstract new (...args: never[]) => M;
