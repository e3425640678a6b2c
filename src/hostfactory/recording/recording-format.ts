import { version } from '../../../package.json';
import type { HostFactoryProduct } from '../provider-environment';

/** The format version written in every recorded line (`v`); a reader refuses a newer one. */
export const RECORDING_FORMAT_VERSION = 1;

/** The library version written in every recorded line (`library`). */
export const LIBRARY_VERSION: string = version;

/** Marks a recording line, so a foreign JSON-lines file is refused at its first line. */
export const RECORDING_KIND = 'hostfactory-call';

/** Marks the line a call writes when its input is known, so a call killed before its end leaves evidence. */
export const RECORDING_START_KIND = 'hostfactory-call-start';

/** The start of a call: what it was asked, by which process; its `call` id matches the end line's. */
export interface RecordedCallStart {
  readonly kind: typeof RECORDING_START_KIND;
  readonly v: number;
  readonly call: string;
  readonly operation: string;
  readonly dialect: HostFactoryProduct;
  readonly at: string;
  readonly pid: number;
  readonly input: unknown;
}

/** The provider port methods a recording keeps. */
export type RecordedPortMethod = 'provision' | 'describe' | 'terminate' | 'reclaimNotices' | 'cancelProvision';

/** One provider port call inside a recorded call: its arguments and its result, its error, or `pending` when it had not settled when the call ended. */
export interface RecordedPortCall {
  readonly method: RecordedPortMethod;
  readonly args: unknown;
  readonly result?: unknown;
  readonly error?: { readonly name: string; readonly message: string; readonly code?: string };
  readonly pending?: true;
}

/**
 * One recorded Symphony/LSF call: a JSON line. Dates inside `args`/`result` are written as
 * `{ "$date": "<ISO>" }` so replay hands the library a `Date` again. Values are redacted as
 * {@link RecordingRedaction} says before anything is written.
 */
export interface RecordedCall {
  readonly kind: typeof RECORDING_KIND;
  readonly v: number;
  /** Matches the call's start line (`<pid>-<n>`); absent in scenario files. */
  readonly call?: string;
  readonly library: string;
  readonly dialect: HostFactoryProduct;
  readonly operation: string;
  /** When the call started (wall clock, ISO). */
  readonly at: string;
  readonly durationMs: number;
  readonly pid: number;
  /** The input document as the script read it (`null` when there was none). */
  readonly input: unknown;
  readonly exitCode: number;
  readonly answer: unknown;
  /** Options that shape the answer besides the input. */
  readonly options?: { readonly reconcile?: false | { readonly limit?: number; readonly budgetMs?: number } };
  /** What the host set up before the operation ran (the templates file document it imported or read). */
  readonly setup?: { readonly templates?: unknown };
  readonly provider: readonly RecordedPortCall[];
  /** Each clock reading, ISO, in order. */
  readonly clock: readonly string[];
  /** Each generated id, in order. */
  readonly ids: readonly string[];
  /** Scenario files only: a storage fault replay injects in this call (`commit`: the first commit fails with this message, as a full disk does). */
  readonly fault?: { readonly commit?: string };
}

const DATE_TAG = '$date';

/** A `JSON.stringify` replacer writing each `Date` as `{ "$date": "<ISO>" }` (before `toJSON` turns it into a bare string). */
function tagDates(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  return raw instanceof Date ? { [DATE_TAG]: Number.isNaN(raw.getTime()) ? null : raw.toISOString() } : value;
}

/** JSON text of a recorded line, keeping `Date`s as `{ "$date": … }`. */
export function encodeRecordedCall(call: RecordedCall): string {
  return JSON.stringify(call, tagDates);
}

/** The value with every `{ "$date": … }` turned back into a `Date`. */
export function reviveDates(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reviveDates);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  if (entries.length === 1 && entries[0]![0] === DATE_TAG) {
    const iso = entries[0]![1];
    return typeof iso === 'string' ? new Date(iso) : new Date(Number.NaN);
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, reviveDates(v)]));
}

/** The value as an encode/decode round trip leaves it (dates tagged, `undefined` fields gone), to compare a call made now with a recorded one. */
export function asRecorded(value: unknown): unknown {
  if (value === undefined) return undefined;
  return (JSON.parse(JSON.stringify({ value }, tagDates)) as { value?: unknown }).value;
}
