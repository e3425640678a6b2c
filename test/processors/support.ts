import { afterEach, vi } from 'vitest';
import { EventProcessor, type EventProcessorOptions, type ProcessorHandler } from '../../src/application/processors/index';
import type { Logger } from '../../src/kernel';
import type { DomainEvent } from '../../src/storage';
import type { InMemoryStorage } from '../../src/testing';

/** Commits `count` events spread over `aggregates` request streams (one event per transaction), numbered 1…count. */
export async function appendEvents(storage: InMemoryStorage, count: number, aggregates = 10, from = 1): Promise<void> {
  for (let n = from; n < from + count; n += 1) {
    const aggregateId = `r-${n % aggregates}`;
    const event = { type: 'RequestCreated', eventId: `e-${n}`, aggregateType: 'request', aggregateId, aggregateVersion: n, occurredAt: '2026-01-01T00:00:00.000Z', schemaVersion: 1, n } as unknown as DomainEvent;
    await storage.unitOfWork.transaction(async (tx) => tx.outbox.append([event]));
  }
}

/** The `n` an event from {@link appendEvents} carries. */
export function numberOf(event: DomainEvent): number {
  return (event as unknown as { n: number }).n;
}

/**
 * How long a processor test lets its processors go without any checkpoint moving before it fails.
 * A loop that stopped making progress (a mutant, or a real bug) fails the test in seconds instead of
 * hanging it until the test timeout; a loaded machine slows progress but does not stop it.
 */
export const STALL_MS = 3_000;

interface Watched {
  readonly name: string;
  status(): Promise<readonly { readonly processor: string; readonly position: number }[]>;
}

/** The processors of one `EventProcessor`, or of a host factory's `processors`. */
function watched(target: Watched | { list(): readonly Watched[] }): readonly Watched[] {
  return 'list' in target ? target.list() : [target];
}

/**
 * Rejects once no checkpoint of `processors` has moved for `stallMs` (a status read that does not
 * answer counts as no movement); `stop()` ends the watch.
 */
function stallWatch(processors: readonly Watched[], what: string, stallMs: number): { stalled: Promise<never>; stop: () => void } {
  let stop = (): void => undefined;
  const stalled = new Promise<never>((_, reject) => {
    let last: string | undefined;
    let movedAt = Date.now();
    let reading = false;
    const timer = setInterval(() => {
      if (Date.now() - movedAt > stallMs) {
        clearInterval(timer);
        reject(new Error(`${what}: no checkpoint of ${processors.map((p) => p.name).join(', ')} moved for ${stallMs} ms (last seen ${last ?? 'nothing'})`));
        return;
      }
      if (reading) return;
      reading = true;
      void Promise.all(processors.map((p) => p.status()))
        .then((states) => {
          const seen = JSON.stringify(states.flat().map((s) => [s.processor, s.position]));
          if (seen !== last) {
            last = seen;
            movedAt = Date.now();
          }
        })
        .catch(() => undefined)
        .finally(() => (reading = false));
    }, 20);
    stop = () => clearInterval(timer);
  });
  stalled.catch(() => undefined);
  return { stalled, stop };
}

/** `target.whenCaughtUp()`, failing after {@link STALL_MS} without progress instead of at its own 30 s. */
export async function caughtUp(target: (Watched | { list(): readonly Watched[] }) & { whenCaughtUp(timeoutMs?: number): Promise<void> }, stallMs = STALL_MS): Promise<void> {
  const watch = stallWatch(watched(target), 'whenCaughtUp()', stallMs);
  try {
    await Promise.race([target.whenCaughtUp(), watch.stalled]);
  } finally {
    watch.stop();
  }
}

/** Resolves when `done()` holds, checked every few milliseconds; rejects after {@link STALL_MS} without progress of `processors`. */
export async function until(done: () => boolean, processors: readonly Watched[], stallMs = STALL_MS): Promise<void> {
  const watch = stallWatch(processors, 'waiting', stallMs);
  let poll: ReturnType<typeof setInterval> | undefined;
  try {
    await Promise.race([new Promise<void>((resolve) => (poll = setInterval(() => done() && resolve(), 2))), watch.stalled]);
  } finally {
    clearInterval(poll);
    watch.stop();
  }
}

/** `target.stop()`, failing after `ms` (a stop that never returns would otherwise hold the test until the hook timeout). */
export async function stopWithin(target: { stop(): Promise<void> }, ms = STALL_MS): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      target.stop(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`stop() did not return within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Resolves once `check()` holds, checked every `everyMs` of real time; rejects after `tries` checks.
 * Counts checks, not the clock, so it also works while a test freezes `Date`.
 */
export async function within(what: string, check: () => boolean | Promise<boolean>, tries = 300, everyMs = 10): Promise<void> {
  for (let i = 0; i < tries; i += 1) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`${what}: still not so after ${tries} checks ${everyMs} ms apart`);
}

/** One line a {@link recordingLogger} received. */
export interface LoggedLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: Record<string, unknown> | undefined;
}

/** A logger that keeps every line, and the lines of one level. */
export function recordingLogger(): { logger: Logger; lines: LoggedLine[]; at: (level: LoggedLine['level']) => LoggedLine[] } {
  const lines: LoggedLine[] = [];
  const log = (level: LoggedLine['level']) => (message: string, fields?: Record<string, unknown>) => void lines.push({ level, message, fields });
  return { logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') }, lines, at: (level) => lines.filter((line) => line.level === level) };
}

/**
 * The processors a test file starts: registers an `afterEach` that restores real timers and mocks and
 * stops every processor the test made, and returns `processor()`, which makes one on `storage` with
 * short poll and backoff times (its own options win) and remembers it for that `afterEach`.
 */
export function useProcessors(): (storage: InMemoryStorage, handle: ProcessorHandler, options?: Partial<EventProcessorOptions>) => EventProcessor {
  const running: EventProcessor[] = [];
  afterEach(async () => {
    vi.useRealTimers();
    vi.restoreAllMocks();
    await Promise.all(running.splice(0).map((p) => stopWithin(p)));
  });
  return (storage, handle, options = {}) => {
    const p = new EventProcessor({ name: 'billing', handle, eventLog: storage.eventLog, store: storage.processors, pollMs: 5, backoffMs: 1, maxBackoffMs: 5, ...options });
    running.push(p);
    return p;
  };
}

/**
 * The operator-command tests' processor: `billing` on `storage`, one attempt, whose handler fails with
 * "card declined" at the positions `broken()` lists when it is called (empty: it fails none).
 */
export function decliningProcessor(storage: InMemoryStorage, broken: () => readonly number[] = () => []): EventProcessor {
  return new EventProcessor({
    name: 'billing',
    eventLog: storage.eventLog,
    store: storage.processors,
    attempts: 1,
    pollMs: 5,
    handle: (stored) => {
      if (broken().includes(stored.position)) throw new Error('card declined');
    },
  });
}
