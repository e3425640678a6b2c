import { afterEach, describe, expect, it, vi } from 'vitest';

// src/kernel/node-crypto.ts: the library's random ids without loading node:crypto (issue 27, cold start).
const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('randomUuid', () => {
  afterEach(() => {
    vi.doUnmock('node:fs');
    vi.resetModules();
  });

  it('gives canonical lower-case UUID v4s, all different, from the system generator and from node:crypto after it', async () => {
    const { randomUuid } = await import('../../src/kernel/node-crypto');
    const ids = Array.from({ length: 5_000 }, () => randomUuid());
    for (const id of ids) expect(id).toMatch(V4);
    expect(new Set(ids).size).toBe(ids.length);
    // Every random nibble of the first 32 takes every value: the bytes are the generator's, not a pattern or a counter.
    const nibbles = new Set(ids.slice(0, 32).flatMap((id) => [...id.replace(/-/g, '').slice(0, 12)]));
    expect(nibbles.size).toBe(16);
  });

  it('takes the first 32 ids from one read of the system generator, without node:crypto, and the rest from crypto.randomUUID', async () => {
    const fs = await vi.importActual<typeof import('node:fs')>('node:fs');
    const opened: string[] = [];
    vi.doMock('node:fs', () => ({ ...fs, openSync: (path: string, flags: string) => (opened.push(path), fs.openSync(path, flags)) }));
    const builtin = vi.spyOn(process, 'getBuiltinModule');
    const { randomUuid } = await import('../../src/kernel/node-crypto');
    const first = Array.from({ length: 32 }, () => randomUuid());
    expect(opened).toEqual(['/dev/urandom']);
    expect(builtin).not.toHaveBeenCalledWith('node:crypto');
    const later = Array.from({ length: 64 }, () => randomUuid());
    expect(opened).toEqual(['/dev/urandom']); // never read again
    expect(builtin).toHaveBeenCalledWith('node:crypto');
    for (const id of [...first, ...later]) expect(id).toMatch(V4);
    expect(new Set([...first, ...later]).size).toBe(96);
    builtin.mockRestore();
  });

  it('falls back to crypto.randomUUID where the system generator cannot be read (no /dev/urandom)', async () => {
    const fs = await vi.importActual<typeof import('node:fs')>('node:fs');
    let attempts = 0;
    vi.doMock('node:fs', () => ({
      ...fs,
      openSync: () => {
        attempts++;
        throw Object.assign(new Error('ENOENT: no such file or directory'), { code: 'ENOENT' });
      },
    }));
    const { randomUuid } = await import('../../src/kernel/node-crypto');
    const ids = [randomUuid(), randomUuid(), randomUuid()];
    for (const id of ids) expect(id).toMatch(V4);
    expect(new Set(ids).size).toBe(3);
    expect(attempts).toBe(1); // tried once, then node:crypto for the life of the process
  });

  it('falls back to crypto.randomUUID where the system generator gives no bytes (end of file)', async () => {
    const fs = await vi.importActual<typeof import('node:fs')>('node:fs');
    const closed: number[] = [];
    vi.doMock('node:fs', () => ({ ...fs, readSync: () => 0, closeSync: (fd: number) => (closed.push(fd), fs.closeSync(fd)) }));
    const { randomUuid } = await import('../../src/kernel/node-crypto');
    const ids = [randomUuid(), randomUuid()];
    for (const id of ids) expect(id).toMatch(V4);
    expect(ids[0]).not.toBe(ids[1]);
    expect(closed).toHaveLength(1);
  });

  it('nodeCrypto loads node:crypto on first use, once', async () => {
    const { nodeCrypto } = await import('../../src/kernel/node-crypto');
    const crypto = nodeCrypto();
    expect(typeof crypto.createHash).toBe('function');
    expect(nodeCrypto()).toBe(crypto);
  });
});
