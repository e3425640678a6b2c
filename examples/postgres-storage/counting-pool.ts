import type pg from 'pg';

/** A pool that counts the statements sent through it (each one a network round trip). */
export interface CountingPool {
  /** Pass this to `createPostgresStorage({ pool })`. */
  readonly pool: pg.Pool;
  /** Statements sent since the last {@link reset}, through the pool and through the clients it lent. */
  count(): number;
  /** The statements' SQL, first line only, in the order sent (for reports). */
  statements(): readonly string[];
  reset(): void;
}

/**
 * Wraps `pool` so that every `query` — on the pool or on a client from `pool.connect()` — is counted.
 * The round-trip figures of docs/scaling.md and the round-trip test come from it.
 */
export function countingPool(pool: pg.Pool): CountingPool {
  let sent: string[] = [];
  const record = (text: unknown): void => {
    const sql = typeof text === 'string' ? text : String((text as { text?: unknown } | null)?.text ?? text);
    sent.push(sql.trim().split('\n')[0]!.slice(0, 120));
  };
  const countingClient = (client: pg.PoolClient): pg.PoolClient =>
    new Proxy(client, {
      get(target, key) {
        const value = Reflect.get(target, key) as unknown;
        if (key !== 'query' || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
        return (text: unknown, ...rest: unknown[]) => (record(text), (value as (...args: unknown[]) => unknown).call(target, text, ...rest));
      },
    });
  const wrapped = new Proxy(pool, {
    get(target, key) {
      const value = Reflect.get(target, key) as unknown;
      if (key === 'query') return (text: unknown, ...rest: unknown[]) => (record(text), target.query(text as string, ...(rest as [unknown[]])));
      if (key === 'connect') return async () => countingClient(await target.connect());
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { pool: wrapped, count: () => sent.length, statements: () => sent, reset: () => void (sent = []) };
}
