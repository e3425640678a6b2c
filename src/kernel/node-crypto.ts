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

/** Random bytes for UUIDs, read from the operating system's generator in batches of this many. */
const POOL_BYTES = 512;
let pool: Buffer | undefined;
let used = POOL_BYTES;
/** Set once reading the system's generator failed (no /dev/urandom, e.g. on Windows): node:crypto from then on. */
let noDevice = false;

/**
 * A random UUID v4, as `crypto.randomUUID()` gives: 122 random bits from the operating system's
 * cryptographic generator (`/dev/urandom`, the source OpenSSL itself seeds from), read 512 bytes at
 * a time, so a process that needs a few ids does not load `node:crypto`. Where the device cannot be
 * read, `crypto.randomUUID()`.
 */
export function randomUuid(): string {
  if (noDevice) return nodeCrypto().randomUUID();
  if (used + 16 > POOL_BYTES) {
    if (!refill()) {
      noDevice = true;
      return nodeCrypto().randomUUID();
    }
  }
  const bytes = pool!;
  const at = used;
  used += 16;
  bytes[at + 6] = (bytes[at + 6]! & 0x0f) | 0x40; // version 4
  bytes[at + 8] = (bytes[at + 8]! & 0x3f) | 0x80; // RFC 9562 variant
  const hex = bytes.toString('hex', at, at + 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function refill(): boolean {
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
    used = 0;
    return true;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
