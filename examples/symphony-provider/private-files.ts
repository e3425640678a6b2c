/**
 * Reading and writing the provider's own files in a directory other local users may be able to
 * create entries in (a shared work directory): nothing planted there (a symbolic link, a FIFO, a
 * device, a hard link, another user's file) can redirect a write outside the directory, block a
 * call, or make it read an unbounded amount. Only Node built-ins: the code cache uses this before
 * the provider bundle is loaded.
 *
 * - Reads open with O_NOFOLLOW (a link is refused, not followed) and O_NONBLOCK (a FIFO opens at
 *   once instead of waiting for a writer), then check the opened descriptor: a regular file of this
 *   user, no permission bits in `forbiddenMode`, at most `maxBytes`; the read itself is bounded.
 * - Writes go to a new file with an unpredictable name (128 random bits), created exclusively
 *   (O_CREAT | O_EXCL | O_NOFOLLOW: nothing that exists, link or not, is ever opened), then renamed
 *   into place; rename replaces a link planted at the destination instead of following it.
 */
import { closeSync, constants, fstatSync, linkSync, lstatSync, openSync, readdirSync, readSync, renameSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Why {@link readOwnFile} gave no bytes. */
export type RefusedFile = 'absent' | 'not-a-file' | 'foreign' | 'too-large' | 'unreadable';

/** What {@link readOwnFile} checks. */
export interface OwnFileRules {
  /** Larger files are refused before anything is read. */
  readonly maxBytes: number;
  /** Permission bits the file must not have, e.g. 0o022 (no one else may write it) or 0o077 (no one else may touch it). */
  readonly forbiddenMode: number;
}

const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** This process's user id (undefined where Node has none, e.g. Windows). Read at every check, so a test can stub `process.getuid`. */
export function currentUid(): number | undefined {
  return process.getuid?.();
}

/**
 * The bytes of `path` when it is a regular file of this user without `forbiddenMode` bits and of
 * at most `maxBytes`, else why not. Never follows a symbolic link, never blocks on a FIFO, never
 * reads more than `maxBytes + 1` bytes (a file growing while read is refused). Never throws.
 */
export function readOwnFile(path: string, rules: OwnFileRules): { bytes: Buffer } | { refused: RefusedFile } {
  let fd: number;
  try {
    fd = openSync(path, READ_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // ELOOP: a symbolic link (O_NOFOLLOW); ENXIO/EISDIR: a socket or a directory.
    return { refused: code === 'ENOENT' || code === 'ENOTDIR' ? 'absent' : code === 'ELOOP' || code === 'ENXIO' || code === 'EISDIR' ? 'not-a-file' : 'unreadable' };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { refused: 'not-a-file' };
    const uid = currentUid();
    if ((uid !== undefined && stat.uid !== uid) || (stat.mode & rules.forbiddenMode) !== 0) return { refused: 'foreign' };
    if (stat.size > rules.maxBytes) return { refused: 'too-large' };
    const bytes = readUpTo(fd, stat.size + 1);
    // More than fstat said: someone is writing it; refuse rather than read on.
    if (bytes.length > stat.size) return { refused: 'unreadable' };
    return { bytes };
  } catch {
    return { refused: 'unreadable' };
  } finally {
    closeSync(fd);
  }
}

/** Reads an open file from its current position until its end or `capacity` bytes, whichever comes first. */
export function readUpTo(fd: number, capacity: number): Buffer {
  const buffer = Buffer.allocUnsafe(capacity);
  let length = 0;
  while (length < capacity) {
    const n = readSync(fd, buffer, length, capacity - length, null);
    if (n === 0) break;
    length += n;
  }
  return buffer.subarray(0, length);
}

/** A fresh name next to `path` no other user can guess (and so plant anything at in advance). */
function temporaryName(path: string): string {
  // node:crypto loaded only when a file is written: a call that only reads its cache starts without it.
  return `${path}.${process.getBuiltinModule('node:crypto').randomBytes(16).toString('hex')}.tmp`;
}

/** Creates a new file (exclusively, never through a link) holding `data`; the caller removes it if anything fails after this returns. */
function createNewFile(path: string, data: Buffer, mode: number): void {
  const fd = openSync(path, CREATE_FLAGS, mode);
  try {
    for (let written = 0; written < data.length; ) written += writeSync(fd, data, written, data.length - written);
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces `path` with a file of this user holding `data` (mode `mode`, default 0600): written to a
 * new, exclusively created file of unpredictable name, renamed over `path` (whatever was there,
 * a symbolic link included, is replaced, never written through). True when done; false, with
 * nothing left behind, when the directory cannot be written or `path` cannot be replaced. Never throws.
 */
export function replaceOwnFile(path: string, data: Buffer, mode = 0o600): boolean {
  const temporary = temporaryName(path);
  try {
    createNewFile(temporary, data, mode);
    renameSync(temporary, path);
    return true;
  } catch {
    removeQuietly(temporary);
    return false;
  }
}

/**
 * Creates `path` holding `data` only if nothing exists there (a link, even a dangling one, counts):
 * written under an unpredictable name and hard-linked into place, so no reader ever sees it half
 * written. True when this call created it, false otherwise. Never throws.
 */
export function createOwnFile(path: string, data: Buffer, mode = 0o600): boolean {
  const temporary = temporaryName(path);
  try {
    createNewFile(temporary, data, mode);
    linkSync(temporary, path);
    return true;
  } catch {
    return false;
  } finally {
    removeQuietly(temporary);
  }
}

/**
 * Removes the temporary files of `path` (`<path>.<32 hex digits>.tmp`) older than `ageMs` that are
 * regular files of this user: left by a process killed between writing one and renaming it. Links
 * and other users' entries are left alone. Never throws.
 */
export function removeStaleTemporaries(path: string, ageMs: number): void {
  const dir = dirname(path);
  const prefix = `${basename(path)}.`;
  try {
    const now = Date.now();
    const uid = currentUid();
    for (const name of readdirSync(dir)) {
      if (!name.startsWith(prefix) || !/^[0-9a-f]{32}\.tmp$/.test(name.slice(prefix.length))) continue;
      const stat = lstatSync(join(dir, name), { throwIfNoEntry: false });
      if (stat?.isFile() === true && (uid === undefined || stat.uid === uid) && now - stat.mtimeMs > ageMs) removeEntry(join(dir, name));
    }
  } catch {
    // an unreadable directory: nothing to tidy
  }
}

/** Removes the directory entry `path` (a link itself, never its target); false if it could not. Never throws. */
export function removeEntry(path: string): boolean {
  try {
    unlinkSync(path);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // the directory is not usable at all: nothing of ours is there
  }
}
