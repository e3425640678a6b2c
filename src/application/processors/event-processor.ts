import { randomUuid } from '../../kernel/node-crypto';
import { KernelError, isKernelError, ValidationError } from '../../kernel/errors';
import type { StoredEvent } from '../../storage/event-log';
import type { DeadLetter, ProcessorClaim, ProcessorState, ProcessorStore } from '../../storage/processor-store';
import { deliverWithRetries, errorText, partitionOf, replayLetter, streamOf, type ProcessorHandler, type RetryPolicy } from './delivery';
import { leaseLost } from '../../storage/processor-errors';
import { checkOptions, sleep, withDefaults, type EventProcessorOptions, type ProcessorSettings } from './processor-options';

/** What {@link EventProcessor.replayDeadLetters} did. */
export interface ReplayReport {
  readonly replayed: number;
  /** Letters whose handler failed again (they stay), and those left behind them in their stream. */
  readonly failed: readonly { readonly position: number; readonly stream: string; readonly error: string }[];
}

interface Held {
  claim: ProcessorClaim;
  readonly partition: number;
  /** Everything at or below is done and stored. */
  cursor: number;
  renewedAt: number;
}

/**
 * A named, checkpointed subscription to the event log (docs/processors.md): every event reaches
 * `handle` at least once, in log order per aggregate, on one replica at a time per partition, with
 * retries, then a dead letter. `start()` runs it until `stop()`.
 */
export class EventProcessor {
  readonly name: string;
  readonly owner: string;
  readonly #o: ProcessorSettings;
  readonly #held = new Map<number, Held>();
  #loop: Promise<void> | undefined;
  #stopping = false;
  readonly #wakers = new Set<() => void>();

  constructor(options: EventProcessorOptions) {
    checkOptions(options);
    this.name = options.name;
    this.owner = options.owner ?? randomUuid();
    this.#o = withDefaults(options);
  }

  /** The store key of `partition`. */
  key(partition: number): string {
    return this.#o.partitions === 1 ? this.name : `${this.name}#${partition}`;
  }

  /** Starts claiming partitions and handling events in the background. Idempotent. */
  start(): void {
    if (this.#loop !== undefined) return;
    this.#stopping = false;
    this.#loop = this.#run();
  }

  /** Finishes the event in hand, stores the checkpoint, gives the leases up, and resolves. */
  async stop(): Promise<void> {
    this.#stopping = true;
    for (const wake of this.#wakers) wake();
    await this.#loop;
    this.#loop = undefined;
  }

  /** Each partition's checkpoint and lease holder. */
  status(): Promise<ProcessorState[]> {
    return this.#o.store.states(this.name);
  }

  /**
   * Resolves once every partition's checkpoint has reached the log's head as it was at the call
   * (whichever replica moved it). Rejects with `PROCESSOR_NOT_CAUGHT_UP` after `timeoutMs` (default 30 000).
   */
  async whenCaughtUp(timeoutMs = 30_000): Promise<void> {
    const head = await this.#o.eventLog.head();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = await this.status();
      const behind = Array.from({ length: this.#o.partitions }, (_, p) => this.key(p)).filter((key) => (states.find((s) => s.processor === key)?.position ?? 0) < head);
      if (behind.length === 0) return;
      if (Date.now() >= deadline) {
        throw new KernelError('PROCESSOR_NOT_CAUGHT_UP', `Processor ${this.name} did not reach position ${head} within ${timeoutMs} ms (behind: ${behind.join(', ')}). Is a replica running it (start())? Are its handlers slow or retrying?`, {
          details: { processor: this.name, head, behind },
        });
      }
      await sleep(Math.min(this.#o.pollMs, 50));
    }
  }

  /** Every dead letter of this processor, in position order. */
  deadLetters(): Promise<DeadLetter[]> {
    return this.#o.store.deadLetters(this.name);
  }

  /**
   * Runs the handler once more on each dead letter (all, or those at `positions`) in position
   * order, deleting each in the handler's transaction. A failure keeps the letter and skips the
   * later letters of its stream, so an aggregate's order is kept. Needs no lease.
   */
  async replayDeadLetters(positions?: readonly number[]): Promise<ReplayReport> {
    const wanted = positions === undefined ? undefined : new Set(positions);
    const failed: { position: number; stream: string; error: string }[] = [];
    const blocked = new Set<string>();
    let replayed = 0;
    for (const letter of await this.deadLetters()) {
      if (wanted !== undefined && !wanted.has(letter.position)) continue;
      if (blocked.has(letter.stream)) {
        failed.push({ position: letter.position, stream: letter.stream, error: 'skipped: an earlier letter of this stream failed again' });
        continue;
      }
      try {
        const outcome = await replayLetter(this.#o.handle, letter, this.name, this.#o.store);
        if (outcome.kind !== 'failed') {
          replayed += 1;
          continue;
        }
        failed.push({ position: letter.position, stream: letter.stream, error: errorText(outcome.error) });
      } catch (error) {
        if (isKernelError(error, 'DEAD_LETTER_NOT_FOUND')) continue;
        failed.push({ position: letter.position, stream: letter.stream, error: errorText(error) });
      }
      blocked.add(letter.stream);
    }
    return { replayed, failed };
  }

  /**
   * Moves every partition's checkpoint to `position` (0: the whole log again) and fences out their
   * current holders; the running replicas claim them again and handle every later event anew.
   */
  async rebuild(position = 0): Promise<void> {
    if (!Number.isSafeInteger(position) || position < 0) {
      throw new ValidationError('processor rebuild', [{ path: 'position', constraint: 'isInt', message: `must be a whole number >= 0, got ${String(position)}` }]);
    }
    for (let p = 0; p < this.#o.partitions; p += 1) await this.#o.store.reset(this.key(p), position);
    // This replica's claims are fenced out now; forget them so the next round claims anew.
    for (const partition of [...this.#held.keys()]) this.#drop(partition, 'the processor is rebuilding');
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      let busy = false;
      try {
        await this.#balance();
        const rounds = await Promise.all([...this.#held.values()].map((held) => this.#batch(held)));
        busy = rounds.some(Boolean);
      } catch (error) {
        this.#o.logger.error(`processor ${this.name}: round failed; retrying`, { processor: this.name, error: errorText(error) });
      }
      if (!busy) await this.#pause(this.#o.pollMs);
    }
    for (const held of this.#held.values()) await this.#o.store.release(held.claim).catch(() => undefined);
    this.#held.clear();
    await this.#o.store.leave(this.name, this.owner).catch(() => undefined);
  }

  /**
   * Renews this replica's membership and held claims, gives one key up above its fair share
   * (partitions ÷ live members, rounded up), and claims one free key below it.
   */
  async #balance(): Promise<void> {
    const { store, leaseMs, partitions } = this.#o;
    for (const [partition, held] of this.#held) {
      if (Date.now() - held.renewedAt < leaseMs / 3) continue;
      if (await store.renew(held.claim, leaseMs)) held.renewedAt = Date.now();
      else this.#drop(partition, 'its lease was lost');
    }
    const members = await store.heartbeat(this.name, this.owner, leaseMs);
    const states = await store.states(this.name);
    const share = Math.ceil(partitions / Math.max(1, members));
    if (this.#held.size > share) {
      const [partition, held] = [...this.#held.entries()].pop()!;
      await store.release(held.claim);
      this.#held.delete(partition);
      return;
    }
    if (this.#held.size >= share) return;
    for (let partition = 0; partition < partitions; partition += 1) {
      if (this.#held.has(partition) || states.some((s) => s.processor === this.key(partition) && s.owner !== undefined)) continue;
      const claim = await store.claim(this.key(partition), this.owner, leaseMs);
      if (claim === undefined) continue;
      this.#held.set(partition, { claim, partition, cursor: claim.position, renewedAt: Date.now() });
      this.#o.logger.info(`processor ${this.name}: claimed ${claim.processor} at position ${claim.position}`, { processor: claim.processor, epoch: claim.epoch });
      return;
    }
  }

  /** Handles one batch of a held partition; true when it read any event. */
  async #batch(held: Held): Promise<boolean> {
    const { eventLog, store, batchSize, partitions } = this.#o;
    const events = await eventLog.readAfter(held.cursor, batchSize);
    if (events.length === 0) return false;
    try {
      const parked = new Set((await store.deadLetters(held.claim.processor)).map((letter) => letter.stream));
      let done = held.cursor;
      for (const stored of events) {
        if (this.#stopping) break;
        const stream = streamOf(stored);
        if (partitionOf(stream, partitions) === held.partition) {
          const settled = await this.#handle(held, stored, stream, parked);
          if (settled === undefined) break;
          if (settled) {
            held.cursor = stored.position;
            done = stored.position;
            continue;
          }
        }
        done = stored.position;
        await this.#renewIfDue(held);
      }
      if (done > held.cursor) {
        await store.advance(held.claim, done, async () => undefined);
        held.cursor = done;
      }
    } catch (error) {
      if (!isKernelError(error, 'PROCESSOR_LEASE_LOST')) throw error;
      this.#drop(held.partition, 'another replica holds it now');
    }
    return true;
  }

  /** One event of the partition: true when its checkpoint is stored, false when only handled, undefined when stopping. */
  async #handle(held: Held, stored: StoredEvent, stream: string, parked: Set<string>): Promise<boolean | undefined> {
    const { store, handle } = this.#o;
    if (parked.has(stream)) {
      await store.advance(held.claim, stored.position, async () => undefined, [this.#letter(held, stored, stream, 0, `parked behind an earlier dead letter of ${stream}`)]);
      return true;
    }
    const policy: RetryPolicy = this.#o;
    const outcome = await deliverWithRetries(handle, stored, this.name, store, held.claim, policy, (ms) => this.#pause(ms).then(() => !this.#stopping));
    if (outcome === undefined) return undefined;
    if (outcome.kind !== 'failed') return outcome.kind === 'committed';
    const error = errorText(outcome.error);
    this.#o.logger.error(`processor ${this.name}: position ${stored.position} failed ${outcome.attempts} times; dead-lettered`, { processor: held.claim.processor, position: stored.position, error });
    await store.advance(held.claim, stored.position, async () => undefined, [this.#letter(held, stored, stream, outcome.attempts, error)]);
    parked.add(stream);
    return true;
  }

  #letter(held: Held, stored: StoredEvent, stream: string, attempts: number, error: string): DeadLetter {
    return { processor: held.claim.processor, position: stored.position, stream, event: stored.event, attempts, error, failedAt: new Date().toISOString() };
  }

  async #renewIfDue(held: Held): Promise<void> {
    if (Date.now() - held.renewedAt < this.#o.leaseMs / 3) return;
    if (!(await this.#o.store.renew(held.claim, this.#o.leaseMs))) throw leaseLost(held.claim);
    held.renewedAt = Date.now();
  }

  #drop(partition: number, why: string): void {
    const held = this.#held.get(partition);
    this.#held.delete(partition);
    if (held !== undefined) this.#o.logger.warn(`processor ${this.name}: dropped ${held.claim.processor}: ${why}`, { processor: held.claim.processor });
  }

  /** Waits `ms`, or less when `stop()` is called. */
  #pause(ms: number): Promise<void> {
    if (this.#stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wakers.add(done);
    });
  }
}
