import { describe, expect, it } from 'vitest';
import { KeyLocks } from '../../src/storage';

/** Lets every settled promise run its callbacks. */
const drain = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe('KeyLocks (the in-memory storage\'s transaction locks)', () => {
  it('grants one key in request order, never two holders at once, and other keys independently', async () => {
    const locks = new KeyLocks();
    const order: string[] = [];
    const first = locks.acquire('template:a');
    const second = locks.acquire('template:a');
    const other = locks.acquire('template:b');
    void second.ready.then(() => order.push('second'));
    void other.ready.then(() => order.push('other'));
    await first.ready;
    await drain();
    expect(order).toEqual(['other']);
    first.release();
    await second.ready;
    expect(order).toEqual(['other', 'second']);
  });

  it('makes a later holder wait for a ticket released before it was granted', async () => {
    const locks = new KeyLocks();
    const first = locks.acquire('k');
    const abandoned = locks.acquire('k');
    const third = locks.acquire('k');
    let granted = false;
    void third.ready.then(() => (granted = true));
    abandoned.release(); // gives up waiting: its turn still passes in order
    await drain();
    expect(granted).toBe(false);
    first.release();
    await third.ready;
    expect(granted).toBe(true);
    third.release();
  });

  it('forgets a key once every ticket on it is released: size counts keys held or awaited', async () => {
    const locks = new KeyLocks();
    expect(locks.size).toBe(0);
    const a = locks.acquire('a');
    const a2 = locks.acquire('a');
    const b = locks.acquire('b');
    expect(locks.size).toBe(2);
    a.release();
    await drain();
    expect(locks.size).toBe(2); // a2 still holds "a"
    a2.release();
    b.release();
    await drain();
    expect(locks.size).toBe(0);
    for (let i = 0; i < 1_000; i += 1) locks.acquire(`request:${i}`).release();
    await drain();
    expect(locks.size).toBe(0);
  });
});
