import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
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
 * `<dir>/<fileName>`, creating `dir` if needed (that may throw). Each line is written
 * synchronously, so a short-lived script loses nothing; a failed write is dropped, never thrown.
 */
export function fileLogger(dir: string, options: FileLoggerOptions = {}): Logger {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, options.fileName ?? 'hostfactory-provider.log');
  return jsonLinesLogger((line) => appendFileSync(path, line, { encoding: 'utf8', mode: 0o640 }), options.level);
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
