import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { checkRecordedCall, readRecording, RecordingError } from '../../hostfactory/recording/read-recording';
import { LIBRARY_VERSION, RECORDING_FORMAT_VERSION, RECORDING_KIND, type RecordedCall, type RecordedCallStart } from '../../hostfactory/recording/recording-format';

/** One call to replay, a call's start, or a torn line to report, with where it came from. */
export interface ReplayEntry {
  readonly source: string;
  readonly line: number;
  readonly call?: RecordedCall;
  readonly started?: RecordedCallStart;
  readonly torn?: true;
}

/** A scenario file's document: recorded calls written by hand (or saved from a recording), in JSON or YAML. */
export interface ScenarioFile {
  /** Its name, shown by the vitest test. */
  readonly scenario: string;
  readonly description?: string;
  /** The provider time limit the calls ran with (a call recorded as pending times out with it); overrides the replay option. */
  readonly providerTimeoutMs?: number;
  /** The dialect of every call without one. Default `symphony`. */
  readonly dialect?: 'symphony' | 'lsf';
  /** The calls in order: `operation`, `input`, `exitCode`, `answer`, and `provider`, `clock`, `ids`, `setup` as a recording has them. */
  readonly calls: readonly Partial<RecordedCall>[];
}

/** The calls of each source in order: `.json`, `.yaml` and `.yml` files are scenario files, anything else a recording (JSON lines). */
export async function* readReplaySource(sources: readonly string[]): AsyncGenerator<ReplayEntry> {
  for (const source of sources) {
    if (isScenarioFile(source)) {
      const calls = (await loadScenarioFile(source)).calls;
      for (let i = 0; i < calls.length; i += 1) yield { source, line: i + 1, call: calls[i] as RecordedCall };
      continue;
    }
    for await (const entry of readRecording(source)) yield { source, ...entry };
  }
}

/** Whether `file` is read as a scenario file (by its extension). */
export function isScenarioFile(file: string): boolean {
  return ['.json', '.yaml', '.yml'].includes(extname(file).toLowerCase());
}

/**
 * Reads a scenario file and checks each call as a recorded line is checked; `line` in errors is
 * the call's position (1 first). Throws `RecordingError` (`RECORDING_INVALID`) naming what to fix.
 */
export async function loadScenarioFile(file: string): Promise<ScenarioFile & { readonly calls: readonly RecordedCall[] }> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new RecordingError('RECORDING_UNREADABLE', `The scenario file ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'unknown error'}).`, { file });
  }
  let document: unknown;
  try {
    document = extname(file).toLowerCase() === '.json' ? JSON.parse(text) : (await import('yaml')).parse(text);
  } catch (error) {
    throw new RecordingError('RECORDING_INVALID', `The scenario file ${file} does not parse: ${error instanceof Error ? error.message : String(error)}`, { file });
  }
  const doc = document as Partial<ScenarioFile> | null;
  if (doc === null || typeof doc !== 'object' || typeof doc.scenario !== 'string' || !Array.isArray(doc.calls)) {
    throw new RecordingError('RECORDING_INVALID', `The scenario file ${file} must hold { scenario: <name>, calls: [ … ] }.`, { file, field: 'calls' });
  }
  const calls = doc.calls.map((call, i) =>
    checkRecordedCall(
      // `at`: the call's first clock reading when the file does not say.
      { kind: RECORDING_KIND, v: RECORDING_FORMAT_VERSION, library: LIBRARY_VERSION, dialect: doc.dialect ?? 'symphony', at: call?.clock?.[0] ?? '1970-01-01T00:00:00.000Z', input: null, provider: [], clock: [], ids: [], ...call },
      file,
      i + 1,
    ),
  );
  return { ...(doc as ScenarioFile), calls };
}

/** Recorded calls as a scenario file document: the fields a replay reads, without the per-run ones (`kind`, `v`, `call`, `library`, `pid`, `at`, `durationMs`). */
export function toScenarioFile(name: string, description: string, calls: readonly RecordedCall[]): ScenarioFile {
  const dialect = calls[0]?.dialect ?? 'symphony';
  return {
    scenario: name,
    description,
    dialect,
    calls: calls.map(({ kind: _k, v: _v, call: _c, library: _l, pid: _p, at: _a, durationMs: _d, dialect: callDialect, ...call }) => (callDialect === dialect ? call : { ...call, dialect: callDialect })),
  };
}
