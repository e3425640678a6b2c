import { isKernelError } from '../../kernel/errors';
import type { StoredEvent } from '../../storage/event-log';
import type { DeadLetter, ProcessorClaim, ProcessorStore } from '../../storage/processor-store';
import type { Transaction } from '../../storage/unit-of-work';

/** What a processor's handler gets with each event. */
export interface ProcessorContext {
  /** The processor's name. */
  readonly processor: string;
  /** The event's position in the log. */
  readonly position: number;
  /** 1 on the first delivery of this event to this replica, 2 on the first retry, …; 1 on a replay. */
  readonly attempt: number;
  /**
   * Runs `work` in one transaction of the storage's unit of work that also moves the processor's
   * checkpoint past this event: the handler's writes and the checkpoint commit together or not at
   * all, so they take effect exactly once. At most one call per delivery.
   */
  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T>;
}

/** A processor's handler: resolves when the event is handled; a rejection is retried, then dead-lettered. */
export type ProcessorHandler = (stored: StoredEvent, context: ProcessorContext) => Promise<void> | void;

/** How a delivery ended: the handler committed its transaction, or succeeded without one, or gave up. */
export type DeliveryOutcome = { readonly kind: 'committed' | 'handled' } | { readonly kind: 'failed'; readonly error: unknown; readonly attempts: number };

/** The retry policy of a processor: `attempts` tries, waiting `backoffMs · 2^(n−1)` (at most `maxBackoffMs`) between them. */
export interface RetryPolicy {
  readonly attempts: number;
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
}

/** The wait before attempt `next` (2, 3, …), with ±20 % jitter so replicas do not retry in step. */
export function backoff(policy: RetryPolicy, next: number): number {
  const base = Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** (next - 2));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/** One handler call; `commit` runs the transaction the handler asks for. A lost lease is rethrown. */
async function attemptOnce(
  handle: ProcessorHandler,
  stored: StoredEvent,
  name: string,
  attempt: number,
  commit: <T>(work: (tx: Transaction) => Promise<T>) => Promise<T>,
): Promise<DeliveryOutcome> {
  let asked = false;
  let committed = false;
  const context: ProcessorContext = {
    processor: name,
    position: stored.position,
    attempt,
    transaction: async (work) => {
      if (asked) throw new Error(`processor ${name}: context.transaction() was already called for position ${stored.position}; put all of one event's writes in one transaction`);
      asked = true;
      const result = await commit(work);
      committed = true;
      return result;
    },
  };
  try {
    await handle(stored, context);
    return { kind: committed ? 'committed' : 'handled' };
  } catch (error) {
    // Once its transaction committed the event is done, whatever the handler did afterwards.
    if (committed) return { kind: 'committed' };
    if (isKernelError(error, 'PROCESSOR_LEASE_LOST')) throw error;
    return { kind: 'failed', error, attempts: attempt };
  }
}

/**
 * Delivers one event under a claim with the retry policy. `wait(ms)` resolves false when the
 * processor is stopping (the event is then left for the next holder: no dead letter).
 */
export async function deliverWithRetries(
  handle: ProcessorHandler,
  stored: StoredEvent,
  name: string,
  store: ProcessorStore,
  claim: ProcessorClaim,
  policy: RetryPolicy,
  wait: (ms: number) => Promise<boolean>,
): Promise<DeliveryOutcome | undefined> {
  let outcome: DeliveryOutcome | undefined;
  for (let attempt = 1; attempt <= policy.attempts; attempt += 1) {
    if (attempt > 1 && !(await wait(backoff(policy, attempt)))) return undefined;
    outcome = await attemptOnce(handle, stored, name, attempt, (work) => store.advance(claim, stored.position, work));
    if (outcome.kind !== 'failed') return outcome;
  }
  return outcome;
}

/** Replays one dead letter once: the handler's transaction (or an empty one after it) deletes the letter. */
export async function replayLetter(handle: ProcessorHandler, letter: DeadLetter, name: string, store: ProcessorStore): Promise<DeliveryOutcome> {
  const settle = <T>(work: (tx: Transaction) => Promise<T>): Promise<T> => store.settle(letter.processor, letter.position, work);
  const outcome = await attemptOnce(handle, { position: letter.position, event: letter.event }, name, 1, settle);
  if (outcome.kind === 'handled') await settle(async () => undefined);
  return outcome;
}

/** The stream an event belongs to: the unit of ordering, partitioning and parking. */
export function streamOf(stored: StoredEvent): string {
  return `${stored.event.aggregateType}:${stored.event.aggregateId}`;
}

/** The partition (0 … `partitions` − 1) of a stream: FNV-1a of its text, so every replica agrees. */
export function partitionOf(stream: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < stream.length; i += 1) {
    hash ^= stream.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}

/** The error text kept in a dead letter. */
export function errorText(error: unknown): string {
  return (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 2000);
}
