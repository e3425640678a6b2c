import { closeSync, constants, createReadStream, fstatSync, openSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { KernelError } from '../../kernel/errors';
import { HOSTFACTORY_OPERATIONS } from '../wire';
import { RECORDING_FORMAT_VERSION, RECORDING_KIND, RECORDING_START_KIND, type RecordedCall, type RecordedCallStart } from './recording-format';

/** Stable codes of {@link RecordingError}. */
export type RecordingErrorCode = 'RECORDING_UNREADABLE' | 'RECORDING_INVALID' | 'RECORDING_FOREIGN' | 'RECORDING_VERSION_UNSUPPORTED';

/** A recording that cannot be read: `details.file` and `details.line` say where, the message what is wrong and what to do. */
export class RecordingError extends KernelError {
  declare readonly code: RecordingErrorCode;
  constructor(code: RecordingErrorCode, message: string, details: { file: string; line?: number; field?: string }) {
    super(code, message, { details });
  }
}

/**
 * One entry of a recording: a call; the start of a call (its end line follows unless the process
 * died first); or a torn line (a writer killed or out of disk mid-line) that is skipped and reported.
 */
export type RecordingEntry =
  | { readonly line: number; readonly call: RecordedCall; readonly started?: undefined; readonly torn?: undefined }
  | { readonly line: number; readonly started: RecordedCallStart; readonly call?: undefined; readonly torn?: undefined }
  | { readonly line: number; readonly torn: true; readonly call?: undefined; readonly started?: undefined };

/**
 * Reads a recording line by line (streamed: a file larger than memory is fine). Yields each call
 * with its line number, and each torn line (JSON cut short) as `{ torn: true }`. Throws
 * {@link RecordingError} at the first line that is not a recorded call: not JSON and not cut short
 * (`RECORDING_INVALID`), another file's lines (`RECORDING_FOREIGN`), a newer format
 * (`RECORDING_VERSION_UNSUPPORTED`), or a call missing a field (`RECORDING_INVALID` naming it).
 */
export async function* readRecording(file: string): AsyncGenerator<RecordingEntry> {
  const fd = openRegularFile(file);
  const lines = createInterface({ input: createReadStream('', { fd, encoding: 'utf8' }), crlfDelay: Infinity });
  let number = 0;
  for await (const text of lines) {
    number += 1;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      // A writer cut short leaves the start of one of our lines; anything else is not ours.
      if (text.startsWith(`{"kind":"${RECORDING_KIND}"`) || text.startsWith(`{"kind":"${RECORDING_START_KIND}"`)) {
        yield { line: number, torn: true };
        continue;
      }
      throw new RecordingError('RECORDING_INVALID', `${file} line ${number} is not JSON and not a recorded call cut short: is this a recording (<provider>-provider.recording.jsonl)?`, { file, line: number });
    }
    if ((value as { kind?: unknown } | null)?.kind === RECORDING_START_KIND) yield { line: number, started: checkStart(value as Record<string, unknown>, file, number) };
    else yield { line: number, call: checkRecordedCall(value, file, number) };
  }
}

/** `value` as a recorded call, or a {@link RecordingError} naming the line and the field. */
export function checkRecordedCall(value: unknown, file: string, line: number): RecordedCall {
  const where = `${file} line ${line}`;
  if (value === null || typeof value !== 'object' || Array.isArray(value) || (value as { kind?: unknown }).kind !== RECORDING_KIND) {
    throw new RecordingError('RECORDING_FOREIGN', `${where} is not a recorded host-factory call (no "kind": "${RECORDING_KIND}"): pass a file written by the recorder.`, { file, line });
  }
  const call = value as Record<string, unknown>;
  checkVersion(call, file, line);
  const missing = (field: string, what: string) => new RecordingError('RECORDING_INVALID', `${where}: "${field}" must be ${what}.`, { file, line, field });
  if (typeof call.operation !== 'string' || !(HOSTFACTORY_OPERATIONS as readonly string[]).includes(call.operation)) throw missing('operation', `one of ${HOSTFACTORY_OPERATIONS.join(', ')}`);
  if (call.dialect !== 'symphony' && call.dialect !== 'lsf') throw missing('dialect', '"symphony" or "lsf"');
  if (!Number.isInteger(call.exitCode)) throw missing('exitCode', 'a whole number');
  if (!('answer' in call)) throw missing('answer', 'the answered document');
  for (const list of ['provider', 'clock', 'ids'] as const) if (!Array.isArray(call[list])) throw missing(list, 'an array');
  (call.provider as unknown[]).forEach((entry, i) => {
    if (entry === null || typeof entry !== 'object' || typeof (entry as { method?: unknown }).method !== 'string') throw missing(`provider[${i}].method`, 'a provider port method name');
  });
  return value as RecordedCall;
}

function checkStart(start: Record<string, unknown>, file: string, line: number): RecordedCallStart {
  checkVersion(start, file, line);
  for (const field of ['call', 'operation', 'at'] as const) {
    if (typeof start[field] !== 'string') throw new RecordingError('RECORDING_INVALID', `${file} line ${line}: "${field}" of a call's start must be a string.`, { file, line, field });
  }
  return start as unknown as RecordedCallStart;
}

function checkVersion(call: Record<string, unknown>, file: string, line: number): void {
  const where = `${file} line ${line}`;
  if (typeof call.v !== 'number' || call.v > RECORDING_FORMAT_VERSION) {
    throw new RecordingError(
      'RECORDING_VERSION_UNSUPPORTED',
      `${where} is recording format ${String(call.v)} (library ${String(call.library)}); this build reads format ${RECORDING_FORMAT_VERSION} and older: replay it with that library version or newer.`,
      { file, line, field: 'v' },
    );
  }
}

function openRegularFile(file: string): number {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new RecordingError('RECORDING_UNREADABLE', `The recording ${file} cannot be opened (${code}): pass the path of a recording file.`, { file });
  }
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    throw new RecordingError('RECORDING_UNREADABLE', `The recording ${file} is not a regular file: pass the path of a recording file.`, { file });
  }
  return fd;
}
