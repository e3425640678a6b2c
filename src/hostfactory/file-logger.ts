import { closeSync, constants, fstatSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { LogFields, Logger } from '../kernel';

/** A log level, lowest first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** Options of {@link fileLogger}. */
export interface FileLoggerOptions {
  /** File name inside the directory. Default `hostfactory-provider.log`. */
  readonly fileName?: string;
  /** Entries below this level are dropped. Default `info`. */
  readonly level?: LogLevel;
}

/**
 * A logger appending one JSON object per line (`time`, `level`, `message`, `pid`, fields) to
 * `<dir>/<fileName>`, creating `dir` if needed. Each line is written synchronously, so a short-lived
 * script loses nothing; a line that cannot be written safely is dropped, never thrown. Throws when
 * the directory cannot be created or the log file cannot be opened safely (below), so the caller can
 * log elsewhere.
 *
 * Safe in a directory others can create entries in: every line is appended through a descriptor
 * opened without following a symbolic link or waiting on a FIFO, and written only when that
 * descriptor is a regular file of this user with one link; a link, FIFO, device or hard link
 * planted at the log's name is never written through (the file is created with mode 0640).
 */
export function fileLogger(dir: string, options: FileLoggerOptions = {}): Logger {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, options.fileName ?? 'hostfactory-provider.log');
  appendOwnFile(path, '');
  return jsonLinesLogger((line) => appendOwnFile(path, line), options.level);
}

const APPEND_FLAGS = constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** Appends `text` to `path` when it is (or is created as) a regular file of this user with one link; throws otherwise. */
function appendOwnFile(path: string, text: string): void {
  const fd = openOwnFile(path, notOwnFile);
  try {
    if (text !== '') writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

/**
 * Opens `path` for appending (created with mode 0640) without following a symbolic link or waiting
 * on a FIFO (`readable`: also for reading), and returns the descriptor only when it is a regular file of this user with one link;
 * otherwise throws `refuse(path)`. Internal: the log and the call recorder share it.
 */
export function openOwnFile(path: string, refuse: (path: string) => Error, readable = false): number {
  let fd: number;
  try {
    fd = openSync(path, APPEND_FLAGS | (readable ? constants.O_RDWR : constants.O_WRONLY), 0o640);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // ELOOP: a symbolic link (O_NOFOLLOW); ENXIO: a FIFO nobody reads or a socket.
    if (code === 'ELOOP' || code === 'ENXIO' || code === 'EISDIR') throw refuse(path);
    throw error;
  }
  const stat = fstatSync(fd);
  const uid = process.getuid?.();
  if (!stat.isFile() || stat.nlink !== 1 || (uid !== undefined && stat.uid !== uid)) {
    closeSync(fd);
    throw refuse(path);
  }
  return fd;
}

function notOwnFile(path: string): Error {
  return new Error(
    `The log file ${basename(path)} is not a regular file of this user with a single link (a link, FIFO or file planted by someone else?); nothing is written to it. Remove it, or choose another HF_PROVIDER_LOGDIR.`,
  );
}

/** A logger writing the same JSON lines as {@link fileLogger} through `write` (for example to standard error). */
export function jsonLinesLogger(write: (line: string) => void, level: LogLevel = 'info'): Logger {
  const min = LEVELS.indexOf(level);
  const entry = (lvl: LogLevel) => (message: string, fields?: LogFields) => {
    if (LEVELS.indexOf(lvl) < min) return;
    try {
      write(`${JSON.stringify({ time: new Date().toISOString(), level: lvl, message, pid: process.pid, ...plainFields(fields) })}\n`);
    } catch {
      // Logging must never change the answer of an operation.
    }
  };
  return { debug: entry('debug'), info: entry('info'), warn: entry('warn'), error: entry('error') };
}

function plainFields(fields: LogFields | undefined): LogFields {
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields ?? {})) {
    out[key] = value instanceof Error ? { name: value.name, message: value.message, stack: value.stack } : value;
  }
  return out;
}
