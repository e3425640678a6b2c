import { AsyncLocalStorage } from 'node:async_hooks';
import type { ProviderPort } from '../../application/provider/provider.port';
import type { Clock, IdGenerator } from '../../domain/shared/ports';
import type { HostFactoryProduct } from '../provider-environment';
import {
  asRecorded,
  encodeRecordedCall,
  LIBRARY_VERSION,
  RECORDING_FORMAT_VERSION,
  RECORDING_KIND,
  RECORDING_START_KIND,
  type RecordedCall,
  type RecordedCallStart,
  type RecordedPortCall,
  type RecordedPortMethod,
} from './recording-format';
import { RecordingFile, type RecordingFileOptions } from './recording-file';
import { redactor, type RecordingRedaction } from './redact';

/** Options of {@link createCallRecorder}: where the file goes, how large it grows, what is redacted. */
export interface CallRecorderOptions extends RecordingFileOptions, RecordingRedaction {
  /** Told when a line cannot be written (the call's answer is never changed by it). Default: ignored. */
  readonly onWriteError?: (error: unknown) => void;
  /**
   * The recorder serves one call at a time (a provider script: one call per process), so port calls
   * are given to the call in progress without `AsyncLocalStorage`, whose promise tracking costs every
   * promise of the process on Node 20. Calls overlapping anyway are all still recorded, each port
   * call given to the latest started. Default false: calls running at once are kept apart.
   */
  readonly oneCallAtATime?: boolean;
}

/** What a call line says about the call besides what the recorder sees itself. */
export interface RecordedCallOptions {
  readonly operation: string;
  readonly dialect: HostFactoryProduct;
  readonly options?: RecordedCall['options'];
}

/** What one call answered: an `OperationResult` or anything with its `exitCode` and `document`. */
export interface RecordedAnswer {
  readonly exitCode: number;
  readonly document: unknown;
}

/**
 * Records Symphony/LSF calls, one JSON line each (see docs/replay.md). Wrap the ports the host
 * factory is built on with `provider()`, `clock()` and `ids()`, and run each call inside `record()`
 * (`createHostFactoryApi(hf, { recorder })` and `runHostFactoryOperation` do): port calls, clock
 * readings and ids made inside it are kept with the call. Never throws from a wrapped port beyond
 * what the port threw, and never changes an answer.
 */
export interface CallRecorder {
  /** The file lines are appended to. */
  readonly path: string;
  /** The provider port, recording each call made inside `record()`. */
  provider(port: ProviderPort): ProviderPort;
  /** The clock, recording each reading made inside `record()`. */
  clock(clock: Clock): Clock;
  /** The id source, recording each id made inside `record()`. */
  ids(ids: IdGenerator): IdGenerator;
  /** Runs one call and appends its line when it ends (whatever it answered). */
  record<R extends RecordedAnswer>(start: RecordedCallOptions, work: () => Promise<R>): Promise<R>;
  /**
   * Adds to the call in progress: its input document (which also writes the call's start line, so a
   * call killed before it ends is still seen), or what the host set up for it (`{ setup: { templates } }`).
   * No-op outside `record()`.
   */
  note(notes: { readonly input?: unknown; readonly setup?: RecordedCall['setup'] }): void;
  close(): void;
}

interface CallLog {
  readonly id: string;
  readonly start: RecordedCallOptions;
  readonly at: Date;
  started: boolean;
  input: unknown;
  setup: RecordedCall['setup'];
  readonly provider: RecordedPortCall[];
  readonly clock: string[];
  readonly ids: string[];
}

const PORT_METHODS: readonly RecordedPortMethod[] = ['provision', 'describe', 'terminate', 'reclaimNotices', 'cancelProvision'];

/** The part of `AsyncLocalStorage` the recorder uses, for one call at a time: the latest started call's log. */
function singleCall(): Pick<AsyncLocalStorage<CallLog>, 'getStore' | 'run'> {
  let current: CallLog | undefined;
  return {
    getStore: () => current,
    run: ((log: CallLog, work: () => unknown) => {
      const previous = current;
      current = log;
      const done = () => {
        if (current === log) current = previous;
      };
      const result = work() as Promise<unknown>;
      return result.then(
        (value) => {
          done();
          return value;
        },
        (error: unknown) => {
          done();
          throw error;
        },
      );
    }) as AsyncLocalStorage<CallLog>['run'],
  };
}

/**
 * A recorder appending to `<dir>/<fileName>` (opened as the provider log is: no symbolic link
 * followed, only a regular file of this user with one link; throws when it cannot be). Each line is
 * written whole with one `write`, the file rotates at `maxBytes`, and `userData` values, tag values
 * and sensitive keys are redacted before anything is written.
 */
export function createCallRecorder(options: CallRecorderOptions): CallRecorder {
  const file = new RecordingFile(options);
  const redact = redactor(options);
  const keep = (value: unknown) => asRecorded(redact(value));
  const calls = options.oneCallAtATime === true ? singleCall() : new AsyncLocalStorage<CallLog>();
  const onWriteError = options.onWriteError ?? (() => undefined);
  let sequence = 0;

  function writeStart(log: CallLog): void {
    log.started = true;
    const line: RecordedCallStart = {
      kind: RECORDING_START_KIND,
      v: RECORDING_FORMAT_VERSION,
      call: log.id,
      operation: log.start.operation,
      dialect: log.start.dialect,
      at: log.at.toISOString(),
      pid: process.pid,
      input: keep(log.input) ?? null,
    };
    try {
      file.append(JSON.stringify(line));
    } catch (error) {
      onWriteError(error);
    }
  }

  function portMethod(port: ProviderPort, method: RecordedPortMethod) {
    const call = (port[method] as (input?: unknown) => Promise<unknown>).bind(port);
    return async (input?: unknown): Promise<unknown> => {
      const log = calls.getStore();
      if (log === undefined) return call(input);
      const index = log.provider.push({ method, args: input === undefined ? null : keep(input), pending: true }) - 1;
      const entry = log.provider[index]!;
      try {
        const result = await call(input);
        log.provider[index] = { method, args: entry.args, result: keep(result) ?? null };
        return result;
      } catch (error) {
        const code = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : undefined;
        const e = error instanceof Error ? { name: error.name, message: error.message } : { name: typeof error, message: String(error) };
        log.provider[index] = { method, args: entry.args, error: code === undefined ? e : { ...e, code } };
        throw error;
      }
    };
  }

  return {
    path: file.path,
    provider(port) {
      const wrapped: Record<string, unknown> = {};
      for (const method of PORT_METHODS) if (typeof port[method] === 'function') wrapped[method] = portMethod(port, method);
      // A template check reads only the provider's configuration: passed through, not recorded (a
      // replay imports templates the recorded call accepted).
      if (typeof port.checkTemplate === 'function') wrapped.checkTemplate = port.checkTemplate.bind(port);
      return wrapped as unknown as ProviderPort;
    },
    clock: (clock) => ({
      now() {
        const now = clock.now();
        calls.getStore()?.clock.push(now.toISOString());
        return now;
      },
    }),
    ids: (ids) => ({
      uuid() {
        const id = ids.uuid();
        calls.getStore()?.ids.push(id);
        return id;
      },
    }),
    async record(start, work) {
      const at = new Date();
      sequence += 1;
      const log: CallLog = { id: `${process.pid}-${sequence}`, start, at, started: false, input: null, setup: undefined, provider: [], clock: [], ids: [] };
      // process.hrtime, not performance.now(): the global `performance` loads perf_hooks and its eleven
      // internal modules on first use, about 2 ms of a recorded call (bench/cold-start.mjs).
      const t0 = process.hrtime.bigint();
      const result = await calls.run(log, work);
      try {
        const line: RecordedCall = {
          kind: RECORDING_KIND,
          v: RECORDING_FORMAT_VERSION,
          call: log.id,
          library: LIBRARY_VERSION,
          dialect: start.dialect,
          operation: start.operation,
          at: at.toISOString(),
          durationMs: Math.round(Number(process.hrtime.bigint() - t0) / 1000) / 1000,
          pid: process.pid,
          input: keep(log.input) ?? null,
          exitCode: result.exitCode,
          answer: keep(result.document),
          ...(start.options === undefined ? {} : { options: start.options }),
          ...(log.setup === undefined ? {} : { setup: keep(log.setup) as RecordedCall['setup'] }),
          provider: log.provider,
          clock: log.clock,
          ids: log.ids,
        };
        file.append(encodeRecordedCall(line));
      } catch (error) {
        onWriteError(error);
      }
      return result;
    },
    note(notes) {
      const log = calls.getStore();
      if (log === undefined) return;
      if ('input' in notes) {
        log.input = notes.input;
        if (!log.started) writeStart(log);
      }
      if (notes.setup !== undefined) log.setup = { ...log.setup, ...notes.setup };
    },
    close: () => file.close(),
  };
}
