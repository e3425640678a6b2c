import type { DeadLetter, ProcessorClaim, ProcessorState, ProcessorStore } from '../../storage/processor-store';
import type { Transaction } from '../../storage/unit-of-work';
import { checkClaimArguments, deadLetterNotFound, leaseLost } from '../../storage/processor-errors';
import type { InMemoryUnitOfWork } from './unit-of-work';
import { now as realNow } from '../real-timers';

interface Row {
  position: number;
  epoch: number;
  owner: string | undefined;
  leaseUntil: number;
}

/**
 * Checkpoints, leases and dead letters in process memory. Moves of a checkpoint commit in the same
 * synchronous step as the unit of work's writes. `now` is the lease clock in ms (default: Node's
 * monotonic clock, which fake timers do not freeze, so leases expire in real time as on a server).
 */
export class InMemoryProcessorStore implements ProcessorStore {
  readonly #rows = new Map<string, Row>();
  readonly #letters = new Map<string, DeadLetter>();
  /** Processor name → owner → membership expiry. */
  readonly #members = new Map<string, Map<string, number>>();

  constructor(
    private readonly unitOfWork: InMemoryUnitOfWork,
    private readonly now: () => number = realNow,
  ) {}

  async claim(processor: string, owner: string, leaseMs: number): Promise<ProcessorClaim | undefined> {
    checkClaimArguments(processor, owner, leaseMs);
    const now = this.now();
    let row = this.#rows.get(processor);
    if (row === undefined) {
      row = { position: 0, epoch: 0, owner: undefined, leaseUntil: 0 };
      this.#rows.set(processor, row);
    }
    const held = row.owner !== undefined && row.leaseUntil > now;
    if (held && row.owner !== owner) return undefined;
    if (!held || row.owner !== owner) row.epoch += 1;
    row.owner = owner;
    row.leaseUntil = now + leaseMs;
    return { processor, owner, epoch: row.epoch, position: row.position };
  }

  async renew(claim: ProcessorClaim, leaseMs: number): Promise<boolean> {
    const row = this.#current(claim);
    if (row === undefined) return false;
    row.leaseUntil = this.now() + leaseMs;
    return true;
  }

  async release(claim: ProcessorClaim): Promise<void> {
    const row = this.#current(claim);
    if (row === undefined) return;
    row.owner = undefined;
    row.leaseUntil = 0;
  }

  advance<T>(claim: ProcessorClaim, position: number, work: (tx: Transaction) => Promise<T>, parked: readonly DeadLetter[] = []): Promise<T> {
    const letters = parked.map((letter) => structuredClone(letter));
    return this.unitOfWork.transactionWith(work, () => {
      const row = this.#current(claim);
      if (row === undefined) throw leaseLost(claim);
      return () => {
        row.position = Math.max(row.position, position);
        for (const letter of letters) this.#letters.set(letterKey(letter.processor, letter.position), letter);
      };
    });
  }

  async deadLetters(processor: string): Promise<DeadLetter[]> {
    return [...this.#letters.values()]
      .filter((letter) => belongsTo(letter.processor, processor))
      .sort((a, b) => a.position - b.position || compare(a.processor, b.processor))
      .map((letter) => structuredClone(letter));
  }

  settle<T>(processor: string, position: number, work: (tx: Transaction) => Promise<T>): Promise<T> {
    const key = letterKey(processor, position);
    return this.unitOfWork.transactionWith(work, () => {
      if (!this.#letters.has(key)) throw deadLetterNotFound(processor, position);
      return () => void this.#letters.delete(key);
    });
  }

  async reset(processor: string, position: number): Promise<void> {
    const row = this.#rows.get(processor) ?? { position: 0, epoch: 0, owner: undefined, leaseUntil: 0 };
    this.#rows.set(processor, { position, epoch: row.epoch + 1, owner: undefined, leaseUntil: 0 });
    for (const [key, letter] of this.#letters) if (letter.processor === processor && letter.position > position) this.#letters.delete(key);
  }

  async states(name: string): Promise<ProcessorState[]> {
    const now = this.now();
    return [...this.#rows.entries()]
      .filter(([key]) => belongsTo(key, name))
      .sort(([a], [b]) => compare(a, b))
      .map(([processor, row]) => {
        const live = row.owner !== undefined && row.leaseUntil > now;
        return { processor, position: row.position, epoch: row.epoch, owner: live ? row.owner : undefined, leaseRemainingMs: live ? row.leaseUntil - now : 0 };
      });
  }

  async heartbeat(name: string, owner: string, ttlMs: number): Promise<number> {
    checkClaimArguments(name, owner, ttlMs);
    const now = this.now();
    const members = this.#members.get(name) ?? new Map<string, number>();
    this.#members.set(name, members);
    members.set(owner, now + ttlMs);
    for (const [member, until] of members) if (until <= now) members.delete(member);
    return members.size;
  }

  async leave(name: string, owner: string): Promise<void> {
    this.#members.get(name)?.delete(owner);
  }

  #current(claim: ProcessorClaim): Row | undefined {
    const row = this.#rows.get(claim.processor);
    return row !== undefined && row.epoch === claim.epoch && row.owner === claim.owner ? row : undefined;
  }
}

function letterKey(processor: string, position: number): string {
  return `${position}\u0000${processor}`;
}

/** Is `key` the processor `name` itself or one of its partitions (`name#n`)? */
function belongsTo(key: string, name: string): boolean {
  return key === name || key.startsWith(`${name}#`);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
