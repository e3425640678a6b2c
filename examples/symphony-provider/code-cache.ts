/**
 * Runs a CommonJS bundle with a V8 code cache, so a fresh process does not parse and compile the
 * whole bundle again (Node 20 has no module compile cache). The cache of one operation is the code
 * V8 compiled while that operation ran, written when the process exits; the next process of the
 * same operation starts from it. A missing, stale, corrupt, rejected or unwritable cache only costs
 * the compile it would have saved: it never fails the call.
 *
 * Only Node built-ins here: this file is the provider's start-up path, before the bundle is loaded.
 * And not `node:crypto` unless it is needed (a cache written without V8's checksums, or a bundle our
 * build did not mark): loading it is about 3 ms of every call (docs/hostfactory.md, "Starting fast").
 */
import { isAscii } from 'node:buffer';
import type * as NodeCrypto from 'node:crypto';
import { closeSync, fstatSync, openSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { createOwnFile, readOwnFile, readUpTo, removeEntry, removeStaleTemporaries, replaceOwnFile } from './private-files';

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
  /**
   * Whether V8 checksums code caches in this process (`node --verify-snapshot-checksum`, as the
   * provider's scripts run it; default: read from `process.execArgv`). Then V8 itself refuses a
   * damaged cache, and no keyed digest (nor `node:crypto`) is needed; otherwise each cache file
   * carries an HMAC under this user's secret (SECRET_FILE).
   */
  readonly checksummed?: boolean;
  /**
   * The `require` the bundle runs with. Default: one made for the bundle's path (`createRequire`,
   * which loads `node:module` and the ES module loader behind it); start.ts, next to the bundle,
   * passes its own, which resolves the same names from the same directory.
   */
  readonly require?: NodeJS.Require;
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
 * File layout: MAGIC, the mode byte (`V`: V8 checksums the payload; `M`: an HMAC-SHA256 of the
 * header and payload under this user's secret follows the key), the key's length (2 bytes) and the
 * key (Node's version, the architecture and the bundle's identity: `bundleIdentity`), the HMAC in
 * mode `M`, the payload. A process reads only files of its own mode; the other mode's file is
 * `stale` and replaced.
 */
const MAGIC = Buffer.from('HFV8CC03');
const CHECKSUMMED = 0x56; // 'V'
const SIGNED = 0x4d; // 'M'
const MAC_BYTES = 32;
/** The secret the caches of mode `M` are signed with: 32 random bytes, mode 0600, created once. */
const SECRET_FILE = 'provider-cache.key';
const SECRET_BYTES = 32;
/** A temporary file this old was left by a killed call (writing one takes milliseconds). */
const STALE_TEMPORARY_MS = 60_000;
/** No cache of the provider comes near this (about 0.6 MiB); a larger file is refused unread. */
const MAX_CACHE_BYTES = 32 * 1024 * 1024;
/** The line examples/tsup.config.ts ends a bundle with: the SHA-1 of the text before it. */
const BUILD_MARK = /\n\/\/# hostfactory-build ([0-9a-f]{40})\n$/;
/** The V8 option that makes V8 checksum the code caches it writes and check those it reads. */
export const CHECKSUM_FLAG = '--verify-snapshot-checksum';

/**
 * Runs `bundle` as CommonJS (its own `require`, `module`, `exports`, `__filename`, `__dirname`),
 * compiled from `<cacheDir>/provider-<name>-<hash of the bundle's path>.v8cache` when that file
 * was written by this user's provider for this exact bundle and Node build. A cache file that
 * cannot be used is removed at once (and written anew by `saveCache`).
 *
 * Why V8 can never abort on a cache: V8 checks a cache's versions, flags and source length, and in
 * release builds not the payload's bytes unless run with `--verify-snapshot-checksum`: without it, a
 * damaged payload that passes those checks makes it abort the process (exit 133). So either V8
 * checksums the payload (the flag, mode `V`), or only bytes this provider got from
 * `createCachedData` reach V8 (mode `M`: the file's HMAC is keyed with a secret only this user can
 * read). In both modes only a regular file of this user that no one else may write is read at all,
 * so no one else can plant code in it.
 */
export function loadWithCodeCache(options: CodeCacheOptions): LoadedBundle {
  const { bundle, cacheDir } = options;
  const checksummed = options.checksummed ?? process.execArgv.some((flag) => flag === CHECKSUM_FLAG || flag === '--verify_snapshot_checksum');
  const { bytes, identity } = readBundle(bundle);
  // The bundle is built ASCII-only (examples/tsup.config.ts): read as one-byte text, which V8 takes
  // as is, rather than decoded as UTF-8 (about 2 ms of every call for a 600 KB bundle).
  const source = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  const usable = cacheDir !== undefined && cacheDir !== '';
  // Named after the operation and the bundle's place: two installs sharing a work directory do not
  // overwrite each other's cache on every call.
  const cacheFile = usable ? join(cacheDir, `provider-${options.name.replace(/[^A-Za-z0-9_-]/g, '') || 'call'}-${pathHash(bundle)}.v8cache`) : undefined;
  const secret = usable && !checksummed ? cacheSecret(cacheDir) : undefined;
  const key = Buffer.from(`${process.version}\0${process.arch}\0${bundleIdentity(source, identity)}`, 'latin1');
  const mode = checksummed ? CHECKSUMMED : SIGNED;
  const found: { state: CodeCacheState; data?: Buffer } = cacheFile === undefined || (!checksummed && secret === undefined) ? { state: 'off' } : readCache(cacheFile, mode, key, secret);
  // Module.wrap's shape, on the bundle's first line: line numbers in stack traces stay the bundle's.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundle,
    ...(found.data === undefined ? {} : { cachedData: found.data }),
  });
  const cache: CodeCacheState = found.data !== undefined && script.cachedDataRejected === true ? 'rejected' : found.state;
  if (cacheFile !== undefined && cache !== 'hit' && cache !== 'miss' && cache !== 'off') removeEntry(cacheFile);
  const module = { exports: {} as unknown };
  const run = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: { exports: unknown }, filename: string, dirname: string) => void;
  run(module.exports, options.require ?? process.getBuiltinModule('node:module').createRequire(bundle), module, bundle, dirname(bundle));
  let saved = false;
  return {
    get exports() {
      return module.exports;
    },
    cache,
    cacheFile,
    saveCache() {
      if (cacheFile === undefined || cache === 'hit' || cache === 'off' || saved) return false;
      const data = script.createCachedData();
      const header = Buffer.alloc(MAGIC.length + 3);
      MAGIC.copy(header);
      header[MAGIC.length] = mode;
      header.writeUInt16BE(key.length, MAGIC.length + 1);
      const parts = mode === SIGNED ? [header, key, mac(secret!, header, key, data), data] : [header, key, data];
      saved = replaceOwnFile(cacheFile, Buffer.concat(parts));
      // A call killed while writing leaves its temporary file: the next writer removes it.
      removeStaleTemporaries(cacheFile, STALE_TEMPORARY_MS);
      return saved;
    },
  };
}

/** The bundle's bytes and what its file says about its identity (device, inode, size, change times). */
function readBundle(bundle: string): { bytes: Buffer; identity: string } {
  const fd = openSync(bundle, 'r');
  try {
    const stat = fstatSync(fd, { bigint: true });
    const bytes = readUpTo(fd, Number(stat.size));
    return { bytes, identity: `${stat.dev}:${stat.ino}:${bytes.length}:${stat.mtimeNs}:${stat.ctimeNs}` };
  } finally {
    closeSync(fd);
  }
}

/**
 * What tells this bundle from any other: the SHA-1 our build wrote on its last line (or, for a
 * bundle without one, the SHA-1 of its text, computed here), and its file's identity, which any
 * edit changes (the change time is the kernel's, not settable by the editor). V8 itself compares only
 * the source's length: a cache of another text of the same length would run the wrong code.
 */
function bundleIdentity(source: string, file: string): string {
  const marked = BUILD_MARK.exec(source.slice(-80));
  const text = marked?.[1] ?? loadCrypto().createHash('sha1').update(source, 'latin1').digest('hex');
  return `${text}\0${file}`;
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
    const secret = loadCrypto().randomBytes(SECRET_BYTES);
    if (createOwnFile(path, secret)) return secret;
    // Another call created it first: read theirs.
  }
  return undefined;
}

function readCache(file: string, mode: number, key: Buffer, secret: Buffer | undefined): { state: CodeCacheState; data?: Buffer } {
  // A code cache is code: only a regular file of this user that no one else may write is read at all.
  const found = readOwnFile(file, { maxBytes: MAX_CACHE_BYTES, forbiddenMode: 0o022 });
  if ('refused' in found) return { state: found.refused === 'absent' || found.refused === 'unreadable' ? 'miss' : 'untrusted' };
  const { bytes } = found;
  const fixed = MAGIC.length + 3;
  if (bytes.length <= fixed || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return { state: 'corrupt' };
  const fileMode = bytes[MAGIC.length];
  if (fileMode !== CHECKSUMMED && fileMode !== SIGNED) return { state: 'corrupt' };
  // A cache of the other mode is sound, but not one this process may read: it is replaced.
  if (fileMode !== mode) return { state: 'stale' };
  const keyEnd = fixed + bytes.readUInt16BE(MAGIC.length + 1);
  if (keyEnd > bytes.length) return { state: 'corrupt' };
  if (!bytes.subarray(fixed, keyEnd).equals(key)) return { state: 'stale' };
  if (mode === CHECKSUMMED) return keyEnd < bytes.length ? { state: 'hit', data: bytes.subarray(keyEnd) } : { state: 'corrupt' };
  const payloadAt = keyEnd + MAC_BYTES;
  if (payloadAt >= bytes.length) return { state: 'corrupt' };
  const data = bytes.subarray(payloadAt);
  if (!loadCrypto().timingSafeEqual(bytes.subarray(keyEnd, payloadAt), mac(secret!, bytes.subarray(0, fixed), key, data))) return { state: 'corrupt' };
  return { state: 'hit', data };
}

function mac(secret: Buffer, header: Buffer, key: Buffer, data: Buffer): Buffer {
  return loadCrypto().createHmac('sha256', secret).update(header).update(key).update(data).digest();
}

/** 8 hex digits of the 32-bit FNV-1a hash of `path`: names a cache file after its bundle's place (no secret, no crypto needed). */
function pathHash(path: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < path.length; i++) hash = Math.imul(hash ^ path.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(16).padStart(8, '0');
}

function loadCrypto(): typeof NodeCrypto {
  return process.getBuiltinModule('node:crypto');
}
