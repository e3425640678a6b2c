import { isKernelError, KernelError } from '../../kernel/errors';
import type { Logger } from '../../kernel';
import { errorText } from '../errors';
import type { ProviderEnvironment } from '../provider-environment';
import type { CallRecorder, CallRecorderOptions } from './recorder';

/** How `runHostFactoryOperation` records: the recorder's options, `dir` and `fileName` defaulting to the provider's log directory and the log file's name with `.recording` for `.log` and `.jsonl` added (`sim-provider.recording.jsonl`). */
export type RecordingSettings = Partial<Omit<CallRecorderOptions, 'onWriteError'>>;

type Env = Readonly<Record<string, string | undefined>>;

const ON = new Set(['1', 'true', 'on', 'yes']);
const OFF = new Set(['', '0', 'false', 'off', 'no']);

/**
 * The recording settings the environment asks for, or undefined when recording is off:
 * `HF_PROVIDER_RECORD` (`1`/`true`/`on`/`yes`; unset, `0`/`false`/`off`/`no` is off),
 * `HF_PROVIDER_RECORD_MAX_MB` (size of one file before it rotates, default 64),
 * `HF_PROVIDER_RECORD_KEEP` (rotated files kept, default 4) and `HF_PROVIDER_RECORD_SENSITIVE_KEYS`
 * (comma-separated extra keys to redact). Throws `RECORDING_ENVIRONMENT_INVALID` naming the variable
 * and the values it accepts.
 */
export function recordingFromEnvironment(env: Env): RecordingSettings | undefined {
  const record = (env.HF_PROVIDER_RECORD ?? '').trim().toLowerCase();
  if (OFF.has(record)) return undefined;
  if (!ON.has(record)) throw invalid('HF_PROVIDER_RECORD', 'must be 1, true, on or yes to record (0, false, off, no or unset: off)');
  const maxMb = number(env, 'HF_PROVIDER_RECORD_MAX_MB', 1, 4096);
  const keep = number(env, 'HF_PROVIDER_RECORD_KEEP', 1, 100);
  const keys = (env.HF_PROVIDER_RECORD_SENSITIVE_KEYS ?? '').split(',').map((k) => k.trim()).filter((k) => k !== '');
  return {
    ...(maxMb === undefined ? {} : { maxBytes: maxMb * 1024 * 1024 }),
    ...(keep === undefined ? {} : { keep }),
    ...(keys.length === 0 ? {} : { sensitiveKeys: keys }),
  };
}

function number(env: Env, name: string, min: number, max: number): number | undefined {
  const text = (env[name] ?? '').trim();
  if (text === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw invalid(name, `must be a whole number from ${min} to ${max}`);
  return value;
}

function invalid(variable: string, rule: string): KernelError {
  return new KernelError('RECORDING_ENVIRONMENT_INVALID', `${variable} ${rule}; the call runs without recording until it is fixed.`, { details: { variable } });
}

/**
 * The recorder `runHostFactoryOperation` uses for one call: `io.recording` (false: none), else what
 * the environment asks for, writing into the provider's log directory. A setting or file that cannot
 * be used is logged and the call runs unrecorded: recording never fails a call. The recorder's code is
 * loaded only when the call is recorded: an unrecorded call (the usual one) starts without it.
 */
export async function openOperationRecorder(
  recording: RecordingSettings | false | undefined,
  env: Env,
  provider: Pick<ProviderEnvironment, 'logDir' | 'logFileName'> | undefined,
  logger: Logger,
): Promise<CallRecorder | undefined> {
  try {
    const settings = recording === false ? undefined : (recording ?? recordingFromEnvironment(env));
    if (settings === undefined) return undefined;
    const dir = settings.dir ?? provider?.logDir;
    if (dir === undefined) throw new KernelError('RECORDING_DIRECTORY_MISSING', 'Recording needs a directory: set the provider environment (its log directory is used) or pass recording.dir.');
    // Beside the log: `sim-provider.recording.jsonl`, LSF's `<name>-provider.recording.<host>.jsonl`.
    const fileName = settings.fileName ?? `${(provider?.logFileName ?? 'hostfactory-provider.log').replace(/\.log(?=\.|$)/, '.recording')}.jsonl`;
    const { createCallRecorder } = await import('./recorder');
    return createCallRecorder({
      ...settings,
      dir,
      fileName,
      // A script run serves exactly one call.
      oneCallAtATime: true,
      onWriteError: (error) => logger.warn('A call could not be recorded; its answer is unchanged', { error: errorText(error) }),
    });
  } catch (error) {
    logger.warn(`Recording is off for this call: ${errorText(error)}`, { error: errorText(error), ...(isKernelError(error) ? { code: error.code, ...error.details } : {}) });
    return undefined;
  }
}
