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
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

/**
 * How the cache file of a load was found: used (`hit`), absent, written by another bundle or Node
 * (`stale`), damaged, refused by V8, not this user's own or writable by others (`untrusted`: compiled
 * code runs as is, so only a file no one else could have written is used), or not asked for.
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
   * the cache was a hit. Atomic (a temporary file renamed into place); true when written, false when
   * not needed or not possible (read-only or missing directory, full disk). Never throws.
   */
  saveCache(): boolean;
}

/** File layout: MAGIC, the key (digest of Node's version, the architecture and the bundle's text), the payload's digest, the payload. */
const MAGIC = Buffer.from('HFV8CC01');
const DIGEST_BYTES = 20;
const HEADER_BYTES = MAGIC.length + 2 * DIGEST_BYTES;

/**
 * Runs `bundle` as CommonJS (its own `require`, `module`, `exports`, `__filename`, `__dirname`),
 * compiled from `<cacheDir>/provider-<name>-<digest of the bundle's path>.v8cache` when that file
 * was written for this exact bundle text and Node build.
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
  const key = cacheFile === undefined ? undefined : digest(`${process.version}\0${process.arch}\0`, bytes);
  const found = cacheFile === undefined || key === undefined ? { state: 'off' as const } : readCache(cacheFile, key);
  // Module.wrap's shape, on the bundle's first line: line numbers in stack traces stay the bundle's.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundle,
    ...(found.data === undefined ? {} : { cachedData: found.data }),
  });
  const cache: CodeCacheState = found.data !== undefined && script.cachedDataRejected === true ? 'rejected' : found.state;
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
      if (cacheFile === undefined || key === undefined || cache === 'hit' || saved) return false;
      saved = writeCache(cacheFile, key, script.createCachedData());
      return saved;
    },
  };
}

function readCache(file: string, key: Buffer): { state: CodeCacheState; data?: Buffer } {
  let bytes: Buffer;
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const stat = fstatSync(fd);
    // Another user's file, or one others may write, could hold any code: never run it.
    if ((process.getuid !== undefined && stat.uid !== process.getuid()) || (stat.mode & 0o022) !== 0) return { state: 'untrusted' };
    bytes = readFileSync(fd);
  } catch {
    return { state: 'miss' }; // absent, or not a readable file: compile, and try to write one
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (bytes.length <= HEADER_BYTES || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return { state: 'corrupt' };
  if (!bytes.subarray(MAGIC.length, MAGIC.length + DIGEST_BYTES).equals(key)) return { state: 'stale' };
  const data = bytes.subarray(HEADER_BYTES);
  // V8 checks versions and flags but not every byte of the payload: a damaged one is refused here.
  if (!bytes.subarray(MAGIC.length + DIGEST_BYTES, HEADER_BYTES).equals(digest(data))) return { state: 'corrupt' };
  return { state: 'hit', data };
}

function writeCache(file: string, key: Buffer, data: Buffer): boolean {
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    writeFileSync(temporary, Buffer.concat([MAGIC, key, digest(data), data]), { mode: 0o644 });
    renameSync(temporary, file);
    return true;
  } catch {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // the directory is not usable at all: nothing was written
    }
    return false;
  }
}

function digest(...parts: (string | Buffer)[]): Buffer {
  const hash = createHash('sha1');
  for (const part of parts) hash.update(part);
  return hash.digest();
}
