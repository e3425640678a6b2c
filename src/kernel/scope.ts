import { AsyncLocalStorage } from 'node:async_hooks';
import type { Instrumentation, WorkSignal, WorkUnit } from './instrumentation';
import type { ServiceScope } from './scoped-services';

/**
 * The message whose handling is running now, as the work it starts sees it: a command or query
 * being dispatched, or an event being delivered to a handler or a projection. A dispatch started
 * inside it inherits `correlationId` and records `messageId` as its causation.
 */
export interface CausationScope {
  /** The conversation this work belongs to. */
  readonly correlationId: string | undefined;
  /** Id of the message being handled: a dispatch's `messageId`, an event's `eventId`. */
  readonly messageId: string | undefined;
  /** The instrumentation of the kernel doing the work, if any. */
  readonly instrumentation: Instrumentation | undefined;
  /** The scoped services of the top-level dispatch this work belongs to, in a kernel that declares some. */
  readonly services?: ServiceScope | undefined;
}

// One store per process, even when the ESM and CJS builds are both loaded, so that a dispatch made
// through one copy still sees the scope the other copy entered.
const KEY = Symbol.for('hostfactory-kernel.causation-scope');
const holder = globalThis as { [KEY]?: AsyncLocalStorage<CausationScope> };
const store: AsyncLocalStorage<CausationScope> = (holder[KEY] ??= new AsyncLocalStorage<CausationScope>());

/** The scope of the work running in the current async context, if any. Internal. */
export function currentScope(): CausationScope | undefined {
  return store.getStore();
}

/** Runs `work(...args)` with `scope` as the current scope (for everything it awaits or starts). Internal. */
export function runInScope<A extends unknown[], T>(scope: CausationScope, work: (...args: A) => T, ...args: A): T {
  return store.run(scope, work, ...args);
}

/** The scope of delivering one stored event: its correlation, and its id as the causation. Internal. */
export function eventScope(event: unknown, instrumentation: Instrumentation | undefined, correlationId?: string, services?: ServiceScope): CausationScope {
  const e = event as { eventId?: unknown; correlationId?: unknown };
  return {
    correlationId: correlationId ?? (typeof e.correlationId === 'string' ? e.correlationId : undefined),
    messageId: typeof e.eventId === 'string' ? e.eventId : undefined,
    instrumentation,
    services,
  };
}

/** Reports `signal` to the instrumentation of the work running now, if any. Internal. */
export function signal(workSignal: WorkSignal): void {
  currentScope()?.instrumentation?.signal?.(workSignal);
}

/** Runs `work` wrapped by the current work's instrumentation (none: runs it as is). Internal. */
export function instrumented<T>(unit: WorkUnit, work: () => Promise<T>, instrumentation = currentScope()?.instrumentation): Promise<T> {
  return instrumentation === undefined ? work() : instrumentation.wrap(unit, work);
}

/**
 * Runs `work` outside any dispatch scope: what it starts inherits no ids and no scoped services.
 * The projector delivers committed events this way, since whichever dispatch drains them is not the
 * one that recorded them. Internal.
 */
export function outsideScope<T>(work: () => T): T {
  return store.exit(work);
}
