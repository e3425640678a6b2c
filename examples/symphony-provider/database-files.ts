/**
 * The provider's SQLite files in its work directory, checked before SQLite opens them. SQLite opens
 * every file with O_NOFOLLOW, but it resolves a symbolic link at the database's own name (and then
 * writes the target, wherever it is, and its journals beside it); and it reads a FIFO at a journal's
 * name until someone writes to it. So before each call the provider makes sure the database and its
 * WAL and shared-memory files are regular files of this user: the database is created here (mode
 * 0600, exclusively, never through a link) when absent, a planted journal entry (a link, a FIFO,
 * another user's file) is removed (the entry, never what it points to), and the WAL and
 * shared-memory files are created empty when absent, so nothing can be planted at their names
 * between this check and SQLite's open (in a sticky directory, where others cannot remove them).
 */
import { closeSync, constants, lstatSync, openSync } from 'node:fs';
import { basename } from 'node:path';
import { SqliteStorageError } from '../sqlite-storage/errors';
import { currentUid, removeEntry } from './private-files';

/** The files SQLite keeps beside `filename` in WAL mode (the rollback journal appears only while the database is first switched to WAL). */
const COMPANIONS = ['-wal', '-shm', '-journal'] as const;

/**
 * Makes `filename` and its companions safe for SQLite to open: see the file comment. Throws
 * STORAGE_UNAVAILABLE, naming the file by its base name, when the database itself is a link, not a
 * regular file, another user's or hard-linked elsewhere (it is never removed: it may be the only
 * copy), or when a planted companion cannot be removed (a sticky directory: ask its owner or root).
 */
export function prepareDatabaseFiles(filename: string): void {
  const problem = entryProblem(filename);
  if (problem === 'absent') {
    createEmptyFile(filename);
    const again = entryProblem(filename);
    if (again !== undefined && again !== 'absent') throw unsafe(filename, again, 'Remove it and retry');
  } else if (problem !== undefined) {
    throw unsafe(
      filename,
      problem,
      'The provider does not open it: it could redirect the provider\'s writes outside the work directory. If it is your database behind a link, point HF_PROVIDER_WORKDIR at the directory that holds it; otherwise move it aside and retry',
    );
  }
  for (const suffix of COMPANIONS) {
    const companion = `${filename}${suffix}`;
    // A journal of this user's with another link is left alone: it may hold committed transactions
    // (a backup made with hard links), and only this user can link to it where links are protected.
    const found = entryProblem(companion, { allowLinks: true });
    if (found !== undefined && found !== 'absent' && !removeEntry(companion)) {
      throw unsafe(companion, found, 'It cannot be removed by this user (a directory with the sticky bit?): have its owner or root remove it, or choose another HF_PROVIDER_WORKDIR');
    }
    if (suffix !== '-journal' && found !== undefined) createEmptyFile(companion);
  }
}

/** Creates an empty file of mode 0600 unless anything (a link included) is there; any failure is left to the checks and SQLite. */
function createEmptyFile(path: string): void {
  try {
    closeSync(openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600));
  } catch {
    // Created meanwhile by another call, or the directory is not writable: SQLite reports the latter.
  }
}

/** What is wrong with the directory entry at `path` (undefined: a regular file of this user with one link). */
function entryProblem(path: string, { allowLinks = false } = {}): string | undefined {
  let stat;
  try {
    // No exception for an absent file: most companions are absent, and every call checks them.
    stat = lstatSync(path, { throwIfNoEntry: false });
  } catch (error) {
    return `not examinable (${String((error as NodeJS.ErrnoException).code)})`;
  }
  if (stat === undefined) return 'absent';
  if (stat.isSymbolicLink()) return 'a symbolic link';
  if (!stat.isFile()) return 'not a regular file';
  const uid = currentUid();
  if (uid !== undefined && stat.uid !== uid) return 'owned by another user';
  if (!allowLinks && stat.nlink !== 1) return 'hard-linked elsewhere';
  return undefined;
}

function unsafe(path: string, problem: string, fix: string): SqliteStorageError {
  return new SqliteStorageError('STORAGE_UNAVAILABLE', `The SQLite file ${basename(path)} in the work directory is ${problem}. ${fix}.`, { filename: path, problem });
}
