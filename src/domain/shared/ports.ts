import { randomUuid } from '../../kernel/node-crypto';

/** Source of the current time. The domain never calls it; use cases read it once per command. */
export interface Clock {
  /** The current instant (UTC). */
  now(): Date;
}

/** The real wall clock. */
export const systemClock: Clock = {
  now: () => new Date(),
};

/** Source of identifiers. `uuid()` must return a canonical lower-case UUID v4. */
export interface IdGenerator {
  uuid(): string;
}

/** Random UUID v4 identifiers from the operating system's cryptographic generator (as `crypto.randomUUID()`). */
export const randomIds: IdGenerator = {
  uuid: () => randomUuid(),
};

/**
 * What every factory and mutating aggregate method receives as its last argument: the instant of
 * the command, the id source for new events and ids, and the tracing ids copied onto each event.
 */
export interface DomainContext {
  readonly now: Date;
  readonly ids: IdGenerator;
  /** Copied onto every event recorded during the call. */
  readonly correlationId?: string;
  /** Id of the command that caused the call; copied onto every event recorded during it. */
  readonly causationId?: string;
  /**
   * Who asked, as JSON data (the dispatch's `ExecuteOptions.metadata`, e.g. an authenticated
   * principal); copied onto every event recorded during the call. Absent or empty: not copied.
   */
  readonly metadata?: Readonly<Record<string, unknown>>;
}
