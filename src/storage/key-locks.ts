/** A held or awaited lock: `ready` settles once it is held; `release` frees it (or gives up waiting). */
export interface LockTicket {
  readonly ready: Promise<void>;
  release(): void;
}

/**
 * Async mutexes by key, granted in request order. A ticket released before it was granted still
 * waits its turn in the queue, so later holders never overlap an earlier one.
 */
export class KeyLocks {
  readonly #tails = new Map<string, Promise<void>>();

  acquire(key: string): LockTicket {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => held);
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return { ready: previous, release };
  }

  /** Number of keys held or awaited (0 when every lock is free). */
  get size(): number {
    return this.#tails.size;
  }
}
