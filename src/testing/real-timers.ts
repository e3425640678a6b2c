import { performance as nodePerformance } from 'node:perf_hooks';
import * as nodeTimers from 'node:timers';

/*
 * Node's own timer functions, captured when the test kit loads. Jest's and vitest's fake timers
 * replace the globals (`setTimeout`, `setImmediate`, `performance`), and node:test's mock timers
 * also patch `node:timers`; a test that fakes time after importing the kit must not freeze the
 * kit's own waiting (settle(), scenario and contract timeouts), or a hang would never be reported.
 * Copied into constants here, because the CommonJS build reads imported names at each call.
 */
const realSetTimeout = nodeTimers.setTimeout;
const realClearTimeout = nodeTimers.clearTimeout;
const realSetImmediate = nodeTimers.setImmediate;
const realNow = nodePerformance.now.bind(nodePerformance);

/** Milliseconds on Node's monotonic clock, never a faked one. */
export function now(): number {
  return realNow();
}

/** Resolves after `ms` of real time, whatever the test did to the global timers. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => realSetTimeout(resolve, ms));
}

/** Resolves on the next turn of the real event loop, after pending I/O and timers. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => realSetImmediate(resolve));
}

/** A real-time deadline: `expired` resolves after `ms`; `cancel()` clears it (call it in a `finally`). */
export function deadline(ms: number): { readonly expired: Promise<'expired'>; cancel(): void } {
  let timer: ReturnType<typeof realSetTimeout> | undefined;
  const expired = new Promise<'expired'>((resolve) => {
    timer = realSetTimeout(() => resolve('expired'), ms);
  });
  return { expired, cancel: () => realClearTimeout(timer) };
}

/** Calls `task` on the next turn of the real event loop. */
export function onNextTurn(task: () => void): void {
  realSetImmediate(task);
}
