import type { Storage } from '../../src/storage/storage';
import type { Transaction } from '../../src/storage/unit-of-work';

/** How an armed fault point behaves: throw an adapter error, or never answer until released. */
export type FaultKind = 'throw' | 'hang';

/**
 * Numbers every step a host factory takes through its storage (before and after each repository
 * call, the lock, `outbox.append`, the transaction's start, its commit and after its commit) and
 * fails the armed one. A clean run records the labels, so a test can fail the k-th step for every k.
 */
export class FaultPlan {
  /** Steps taken so far (1-based count). */
  step = 0;
  /** Labels of the steps taken, in order. */
  readonly labels: string[] = [];
  /** Faults injected, by label and kind. */
  readonly injected = new Map<string, number>();
  #armed: { at: number; kind: FaultKind } | undefined;
  readonly #hung = new Set<(error: Error) => void>();

  /** Fails the step `at` (absolute step number) with `kind`. */
  arm(at: number, kind: FaultKind): void {
    this.#armed = { at, kind };
  }

  disarm(): void {
    this.#armed = undefined;
  }

  /** Rejects every hung step with an adapter error, so its transaction ends. */
  release(): void {
    for (const reject of this.#hung) reject(adapterError('released after a hang'));
    this.#hung.clear();
  }

  /** An asynchronous step: throws or hangs when it is the armed one. */
  async point(label: string): Promise<void> {
    const kind = this.#take(label);
    if (kind === 'throw') throw adapterError(`injected fault at ${label}`);
    if (kind === 'hang') await new Promise<never>((_, reject) => this.#hung.add(reject));
  }

  /** A synchronous step (`outbox.append`): an armed hang cannot block it, so it throws either way. */
  pointSync(label: string): void {
    if (this.#take(label) !== undefined) throw adapterError(`injected fault at ${label}`);
  }

  #take(label: string): FaultKind | undefined {
    this.step += 1;
    this.labels.push(label);
    const armed = this.#armed;
    if (armed === undefined || armed.at !== this.step) return undefined;
    const kind: FaultKind = label === 'outbox.append' ? 'throw' : armed.kind;
    const key = `${label} (${kind})`;
    this.injected.set(key, (this.injected.get(key) ?? 0) + 1);
    return kind;
  }
}

/** An error shaped like a database driver's: a `code` and a message. */
function adapterError(message: string): Error {
  return Object.assign(new Error(`storage adapter: ${message}`), { code: 'ECONNRESET' });
}

const REPOSITORIES = ['templates', 'requests', 'machines'] as const;

/**
 * Wraps `inner` so that every step goes through `plan`. The commit faults wrap the real
 * transaction: `tx.commit` fails after the work resolved but before the real commit (so the real
 * transaction rolls back), `tx.afterCommit` fails after the real commit resolved (the state is
 * stored but the caller sees an error, like a lost acknowledgement).
 */
export function faultyStorage(inner: Storage, plan: FaultPlan): Storage {
  return {
    eventLog: inner.eventLog,
    readModels: inner.readModels,
    unitOfWork: {
      async transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
        await plan.point('tx.begin');
        const result = await inner.unitOfWork.transaction(async (tx) => {
          const value = await work(wrapTransaction(tx, plan));
          await plan.point('tx.commit');
          return value;
        });
        await plan.point('tx.afterCommit');
        return result;
      },
    },
  };
}

function wrapTransaction(tx: Transaction, plan: FaultPlan): Transaction {
  const wrapped: Record<string, unknown> = {
    outbox: {
      append: (events: Parameters<Transaction['outbox']['append']>[0]) => {
        plan.pointSync('outbox.append');
        tx.outbox.append(events);
      },
    },
    lock: async (key: string) => {
      await plan.point('before lock');
      await tx.lock(key);
      await plan.point('after lock');
    },
  };
  for (const name of REPOSITORIES) {
    const repository = tx[name] as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    const proxy: Record<string, unknown> = {};
    for (const method of Object.keys(repository)) {
      proxy[method] = async (...args: unknown[]) => {
        await plan.point(`before ${name}.${method}`);
        const value = await repository[method]!(...args);
        await plan.point(`after ${name}.${method}`);
        return value;
      };
    }
    wrapped[name] = proxy;
  }
  return wrapped as unknown as Transaction;
}
