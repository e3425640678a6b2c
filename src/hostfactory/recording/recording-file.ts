import { closeSync, fstatSync, mkdirSync, readSync, renameSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import { openOwnFile } from '../file-logger';

/** Where and how much a recorder writes. */
export interface RecordingFileOptions {
  /** The directory (the provider's log directory); created when missing. */
  readonly dir: string;
  /** Default `hostfactory-recording.jsonl`. */
  readonly fileName?: string;
  /** A file reaching this size is rotated before the next line. Default 64 MiB. */
  readonly maxBytes?: number;
  /** Rotated files kept (`<name>.1` newest … `<name>.<keep>`). Default 4. */
  readonly keep?: number;
}

/** Default size of one recording file before it rotates. */
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
const DEFAULT_KEEP = 4;

/**
 * An append-only JSON-lines file written one whole line per `write` call on a descriptor opened as
 * the provider log is (no symbolic link followed, only a regular file of this user with one link).
 * A file left ending in a torn line (a process killed or a disk filled mid-write) gets a newline
 * first, so the torn text stays alone on its line and every later line reads.
 */
export class RecordingFile {
  readonly path: string;
  private readonly maxBytes: number;
  private readonly keep: number;
  private fd: number | undefined;

  constructor(options: RecordingFileOptions) {
    mkdirSync(options.dir, { recursive: true });
    this.path = join(options.dir, options.fileName ?? 'hostfactory-recording.jsonl');
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    this.keep = Math.max(1, Math.floor(options.keep ?? DEFAULT_KEEP));
    this.fd = this.open();
  }

  /** Appends one line (a newline is added). Throws when the file cannot be written; the line is then lost, never half-kept silently. */
  append(line: string): void {
    const bytes = Buffer.from(`${line}\n`, 'utf8');
    let fd = this.fd ?? (this.fd = this.open());
    const size = fstatSync(fd).size;
    if (size > 0 && size + bytes.length > this.maxBytes) {
      this.rotate();
      fd = this.fd = this.open();
    }
    const written = writeSync(fd, bytes);
    if (written !== bytes.length) throw new Error(`Only ${written} of ${bytes.length} bytes of a recorded call were written to ${basename(this.path)} (disk full?).`);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private open(): number {
    const fd = openOwnFile(this.path, refuse, true);
    try {
      const size = fstatSync(fd).size;
      if (size > 0) {
        const last = Buffer.alloc(1);
        readSync(fd, last, 0, 1, size - 1);
        if (last[0] !== 0x0a) writeSync(fd, '\n');
      }
    } catch (error) {
      closeSync(fd);
      throw error;
    }
    return fd;
  }

  /** `<name>` → `<name>.1` → … → `<name>.<keep>` (the oldest dropped). `rename` replaces a planted link itself, never its target. */
  private rotate(): void {
    this.close();
    for (let n = this.keep - 1; n >= 1; n -= 1) tryRename(`${this.path}.${n}`, `${this.path}.${n + 1}`);
    tryRename(this.path, `${this.path}.1`);
  }
}

function tryRename(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (error) {
    // Another process rotated first, or there is no such older file yet.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

function refuse(path: string): Error {
  return new Error(
    `The recording file ${basename(path)} is not a regular file of this user with a single link (a link, FIFO or file planted by someone else?); nothing is recorded to it. Remove it, or choose another directory.`,
  );
}
