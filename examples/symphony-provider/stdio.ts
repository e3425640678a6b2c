/**
 * Standard output and error for a one-shot script, written with `writeSync` on the file descriptor:
 * a script prints one document, and setting up `process.stdout` (a stream, a socket for a pipe)
 * costs more than that. A full non-blocking pipe is waited for, never dropped.
 */
import { writeSync } from 'node:fs';
import type { TextSink } from 'hostfactory-kernel/hostfactory';

/** How long to wait before writing again to a full non-blocking pipe. */
const FULL_PIPE_PAUSE_MS = 1;

/** A {@link TextSink} writing every chunk whole and synchronously to `fd` (1 stdout, 2 stderr); other write errors are thrown. */
export function syncTextSink(fd: number, write: (fd: number, data: Buffer, offset: number) => number = writeSync): TextSink {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  return {
    write(chunk: string) {
      const data = Buffer.from(chunk, 'utf8');
      for (let offset = 0; offset < data.length; ) {
        try {
          offset += write(fd, data, offset);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
          Atomics.wait(pause, 0, 0, FULL_PIPE_PAUSE_MS);
        }
      }
      return true;
    },
  };
}
