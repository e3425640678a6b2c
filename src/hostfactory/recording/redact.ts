/** What a recording keeps of secrets: see {@link redactValue}. */
export interface RecordingRedaction {
  /**
   * Keys whose values are never written, whatever their depth (compared case-insensitively), added to
   * {@link DEFAULT_SENSITIVE_KEYS}: the provider configuration keys the host marks sensitive.
   */
  readonly sensitiveKeys?: readonly string[];
  /** Keep `userData` values (default false: each value is replaced, its keys kept). */
  readonly keepUserData?: boolean;
  /** Keep tag values (`instanceTags`, `tags`; default false: each value replaced, its key kept). */
  readonly keepTags?: boolean;
}

/** What a redacted value is replaced with. */
export const REDACTED = 'REDACTED';

/** Keys redacted in every recording: credentials a provider configuration or a cloud answer may carry. */
export const DEFAULT_SENSITIVE_KEYS: readonly string[] = Object.freeze([
  'password',
  'secret',
  'secretAccessKey',
  'aws_secret_access_key',
  'sessionToken',
  'token',
  'accessToken',
  'apiKey',
  'privateKey',
  'credentials',
]);

const USER_DATA = new Set(['userdata', 'user_data']);
const TAGS = new Set(['instancetags', 'tags', 'instance_tags']);

/** A redactor for `options`: a pure function from a value to its redacted copy. */
export function redactor(options: RecordingRedaction = {}): (value: unknown) => unknown {
  const sensitive = new Set([...DEFAULT_SENSITIVE_KEYS, ...(options.sensitiveKeys ?? [])].map((k) => k.toLowerCase()));
  const keepUserData = options.keepUserData === true;
  const keepTags = options.keepTags === true;
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (value === null || typeof value !== 'object' || value instanceof Date) return value;
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      const k = key.toLowerCase();
      if (sensitive.has(k)) out[key] = REDACTED;
      else if (!keepUserData && USER_DATA.has(k)) out[key] = redactValues(v);
      else if (!keepTags && TAGS.has(k)) out[key] = redactTags(v);
      else out[key] = walk(v);
    }
    return out;
  };
  return walk;
}

/** `userData`: a string is replaced whole; an object keeps its keys with each value replaced. */
function redactValues(value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (typeof value === 'object' && !Array.isArray(value)) return Object.fromEntries(Object.keys(value).map((k) => [k, REDACTED]));
  return REDACTED;
}

/** Tags: an object keeps its keys; Symphony's `"k=v;k=v"` text keeps each `k=`. */
function redactTags(value: unknown): unknown {
  if (typeof value === 'string') {
    if (value === '') return value;
    return value
      .split(';')
      .map((pair) => (pair.includes('=') ? `${pair.slice(0, pair.indexOf('='))}=${REDACTED}` : pair))
      .join(';');
  }
  return redactValues(value);
}
