/**
 * Runs a CommonJS bundle with a V8 code cache, so a fresh process does not parse and compile the
 * whole bundle again (Node 20 has no module compile cache). The cache of one operation is the code
 * V8 compiled while that operation ran, written when the process exits; the next process of the
 * same operation starts from it. A missing, stale, corrupt, rejected or unwritable cache only costs
 * the compile it would have saved: it never fails the call.
 *
 * Only Node built-ins here: this file is the provider's start-up path, before the bundle is loaded.
 */
import { isAscii } from 'node:buffer';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { createOwnFile, readOwnFile, removeEntry, removeStaleTemporaries, replaceOwnFile } from './private-files';

/**
 * How the cache file of a load was found: used (`hit`), absent, written by another bundle or Node
 * (`stale`), damaged or not written by this user's provider (`corrupt`: its keyed digest does not
 * match), refused by V8, not usable at all (`untrusted`: a symbolic link, FIFO, directory or other
 * non-regular file, a file of another user or writable by others, or larger than any cache), or not
 * asked for (`off`, also when no cache key can be kept in the directory).
 */
export type CodeCacheState = 'hit' | 'miss' | 'stale' | 'corrupt' | 'rejected' | 'untrusted' | 'off';

/** What {@link loadWithCodeCache} needs. */
export interface CodeCacheOptions {
  /** The CommonJS bundle to run. */
  readonly bundle: string;
  /** Where cache files live (the provider's work directory); undefined runs the bundle without a cache. */
  readonly cacheDir: string | undefined;
  /** Names the cache file (one per operation: each compiles different code). Reduced to letters, digits, `-` and `_`. */
  readonly name: string;
}

/** A bundle that ran: its exports, what happened to its cache, and how to write a fresh one. */
export interface LoadedBundle {
  readonly exports: unknown;
  readonly cache: CodeCacheState;
  /** The cache file, or undefined when `cacheDir` was not given. */
  readonly cacheFile: string | undefined;
  /**
   * Writes the code V8 compiled so far (call it when the work is done, e.g. on process exit) unless
   * the cache was a hit. Atomic (a new file of unpredictable name renamed into place, mode 0600);
   * true when written, false when not needed or not possible (read-only or missing directory, full
   * disk, no cache key, a place taken by another user's file). Never throws.
   */
  saveCache(): boolean;
}

/**
 * File layout: MAGIC, the key (digest of Node's version, the architecture and the bundle's text),
 * an HMAC-SHA256 of MAGIC, key and payload under this user's secret (SECRET_FILE), the payload.
 */
const MAGIC = Buffer.from('HFV8CC02');
const KEY_BYTES = 20;
const MAC_BYTES = 32;
const HEADER_BYTES = MAGIC.length + KEY_BYTES + MAC_BYTES;
/** The secret the caches of a directory are signed with: 32 random bytes, mode 0600, created once. */
const SECRET_FILE = 'provider-cache.key';
const SECRET_BYTES = 32;
/** A temporary file this old was left by a killed call (writing one takes milliseconds). */
const STALE_TEMPORARY_MS = 60_000;
/** No cache of the provider comes near this (about 0.5 MiB); a larger file is refused unread. */
const MAX_CACHE_BYTES = 32 * 1024 * 1024;

/**
 * Runs `bundle` as CommonJS (its own `require`, `module`, `exports`, `__filename`, `__dirname`),
 * compiled from `<cacheDir>/provider-<name>-<digest of the bundle's path>.v8cache` when that file
 * was written by this user's provider for this exact bundle text and Node build. A cache file that
 * cannot be used is removed at once (and written anew by `saveCache`).
 *
 * Why V8 can never abort on a cache: V8 checks a cache's versions, flags and source length, and in
 * release builds not the payload's bytes, so a damaged payload that passes those checks makes it
 * abort the process (exit 133). Only bytes this provider got from `createCachedData` reach V8: the
 * file's HMAC is keyed with a secret only this user can read, so a file damaged on disk, cut short,
 * or made or edited by anyone else (even with a recomputed digest) fails the check and is rebuilt.
 */
export function loadWithCodeCache(options: CodeCacheOptions): LoadedBundle {
  const { bundle, cacheDir } = options;
  const bytes = readFileSync(bundle);
  // The bundle is built ASCII-only (examples/tsup.config.ts): read as one-byte text, which V8 takes
  // as is, rather than decoded as UTF-8 (about 2 ms of every call for a 600 KB bundle).
  const source = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  // Named after the operation and the bundle's place: two installs sharing a work directory do not
  // overwrite each other's cache on every call.
  const cacheFile =
    cacheDir === undefined || cacheDir === ''
      ? undefined
      : join(cacheDir, `provider-${options.name.replace(/[^A-Za-z0-9_-]/g, '') || 'call'}-${digest(bundle).toString('hex').slice(0, 8)}.v8cache`);
  const secret = cacheDir === undefined || cacheDir === '' ? undefined : cacheSecret(cacheDir);
  const key = digest(`${process.version}\0${process.arch}\0`, bytes);
  const found: { state: CodeCacheState; data?: Buffer } = cacheFile === undefined || secret === undefined ? { state: 'off' } : readCache(cacheFile, key, secret);
  // Module.wrap's shape, on the bundle's first line: line numbers in stack traces stay the bundle's.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundle,
    ...(found.data === undefined ? {} : { cachedData: found.data }),
  });
  const cache: CodeCacheState = found.data !== undefined && script.cachedDataRejected === true ? 'rejected' : found.state;
  if (cacheFile !== undefined && cache !== 'hit' && cache !== 'miss' && cache !== 'off') removeEntry(cacheFile);
  const module = { exports: {} as unknown };
  const run = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: { exports: unknown }, filename: string, dirname: string) => void;
  run(module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  let saved = false;
  return {
    get exports() {
      return module.exports;
    },
    cache,
    cacheFile,
    saveCache() {
      if (cacheFile === undefined || secret === undefined || cache === 'hit' || saved) return false;
      const data = script.createCachedData();
      saved = replaceOwnFile(cacheFile, Buffer.concat([MAGIC, key, mac(secret, key, data), data]));
      // A call killed while writing leaves its temporary file: the next writer removes it.
      removeStaleTemporaries(cacheFile, STALE_TEMPORARY_MS);
      return saved;
    },
  };
}

/**
 * This user's cache secret in `dir`: read when it is a 32-byte regular file of this user no one
 * else may read or write; otherwise whatever is there is removed (a link itself, never its target)
 * and a new one created. Undefined when neither works (then no cache is read or written).
 */
function cacheSecret(dir: string): Buffer | undefined {
  const path = join(dir, SECRET_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    const found = readOwnFile(path, { maxBytes: SECRET_BYTES, forbiddenMode: 0o077 });
    if ('bytes' in found && found.bytes.length === SECRET_BYTES) return found.bytes;
    if ('refused' in found && found.refused === 'unreadable') return undefined;
    if (!('refused' in found && found.refused === 'absent') && !removeEntry(path)) return undefined;
    const secret = randomBytes(SECRET_BYTES);
    if (createOwnFile(path, secret)) return secret;
    // Another call created it first: read theirs.
  }
  return undefined;
}

function readCache(file: string, key: Buffer, secret: Buffer): { state: CodeCacheState; data?: Buffer } {
  // A code cache is code: only a regular file of this user that no one else may write is read at all.
  const found = readOwnFile(file, { maxBytes: MAX_CACHE_BYTES, forbiddenMode: 0o022 });
  if ('refused' in found) return { state: found.refused === 'absent' || found.refused === 'unreadable' ? 'miss' : 'untrusted' };
  const { bytes } = found;
  if (bytes.length <= HEADER_BYTES || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return { state: 'corrupt' };
  if (!bytes.subarray(MAGIC.length, MAGIC.length + KEY_BYTES).equals(key)) return { state: 'stale' };
  const data = bytes.subarray(HEADER_BYTES);
  if (!timingSafeEqual(bytes.subarray(MAGIC.length + KEY_BYTES, HEADER_BYTES), mac(secret, key, data))) return { state: 'corrupt' };
  return { state: 'hit', data };
}

function mac(secret: Buffer, key: Buffer, data: Buffer): Buffer {
  return createHmac('sha256', secret).update(MAGIC).update(key).update(data).digest();
}

function digest(...parts: (string | Buffer)[]): Buffer {
  const hash = createHash('sha1');
  for (const part of parts) hash.update(part);
  return hash.digest();
}
