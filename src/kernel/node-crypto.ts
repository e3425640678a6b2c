import type * as NodeCrypto from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';

// `node:crypto`, loaded when first used rather than when the library loads. Loading it (and the
// stream modules it pulls in) is about 3 ms of every fresh process; a Symphony call that only reads
// a request's status needs neither a hash nor a key, only a few random ids (docs/hostfactory.md, "Starting fast").

let crypto: typeof NodeCrypto | undefined;

/** `node:crypto`, loaded on first use (`process.getBuiltinModule`, in every Node line the package supports). */
export function nodeCrypto(): typeof NodeCrypto {
  return (crypto ??= process.getBuiltinModule('node:crypto'));
}

/** Random bytes for a process's first UUIDs, read from the operating system's generator in one go: 32 ids. */
const POOL_BYTES = 512;
let pool: Buffer | undefined;
let used = 0;
/** Set once the first batch is spent, or reading the system's generator failed: node:crypto from then on. */
let useCrypto = false;

/**
 * A random UUID v4, as `crypto.randomUUID()` gives. A process's first 32 come from one read of the
 * operating system's cryptographic generator (`/dev/urandom`, the source OpenSSL itself seeds from),
 * so a short-lived process that needs a few ids (a Symphony call) does not load `node:crypto`;
 * every later one, and every one where the device cannot be read, from `crypto.randomUUID()`, which
 * is faster per id (about 50 ns against 370) once loaded.
 */
export function randomUuid(): string {
  if (useCrypto) return nodeCrypto().randomUUID();
  if (pool === undefined && !fill()) {
    useCrypto = true;
    return nodeCrypto().randomUUID();
  }
  const bytes = pool!;
  const at = used;
  used += 16;
  if (used >= POOL_BYTES) useCrypto = true;
  bytes[at + 6] = (bytes[at + 6]! & 0x0f) | 0x40; // version 4
  bytes[at + 8] = (bytes[at + 8]! & 0x3f) | 0x80; // RFC 9562 variant
  const hex = bytes.toString('hex', at, at + 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function fill(): boolean {
  let fd: number | undefined;
  try {
    fd = openSync('/dev/urandom', 'r');
    const next = Buffer.allocUnsafe(POOL_BYTES);
    let filled = 0;
    while (filled < POOL_BYTES) {
      const read = readSync(fd, next, filled, POOL_BYTES - filled, null);
      if (read <= 0) return false;
      filled += read;
    }
    pool = next;
    return true;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
