import { isKernelError } from '../../kernel/errors';
import { isPlainObject } from '../../kernel/validation';

/** Something like vitest's or Jest's `expect.any(String)`: any object with an `asymmetricMatch` method. */
export interface AsymmetricMatcher {
  asymmetricMatch(other: unknown): boolean;
}

/** True for objects with an `asymmetricMatch` method (vitest, jest and jasmine matchers). */
export function isMatcher(value: unknown): value is AsymmetricMatcher {
  return typeof value === 'object' && value !== null && typeof (value as Partial<AsymmetricMatcher>).asymmetricMatch === 'function';
}


/**
 * Where `actual` first differs from `expected`, read as a subset: objects need only the keys
 * expected (a key expected `undefined` must be absent), arrays need the same length and matching
 * items, a Date matches the same instant (or its ISO string), a RegExp matches a string, an
 * asymmetric matcher decides for itself, anything else must be `Object.is`-equal. Undefined = match.
 */
export function mismatch(expected: unknown, actual: unknown, path: string): string | undefined {
  const differ = () => `${path || 'value'}: expected ${show(expected)}, got ${show(actual)}`;
  if (isMatcher(expected)) return expected.asymmetricMatch(actual) ? undefined : differ();
  if (expected instanceof Date) {
    const time = actual instanceof Date ? actual.getTime() : typeof actual === 'string' ? Date.parse(actual) : Number.NaN;
    return time === expected.getTime() ? undefined : differ();
  }
  if (expected instanceof RegExp) return typeof actual === 'string' && expected.test(actual) ? undefined : differ();
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return differ();
    if (actual.length !== expected.length) return `${path || 'value'}: expected ${expected.length} items ${show(expected)}, got ${actual.length} ${show(actual)}`;
    for (let i = 0; i < expected.length; i++) {
      const found = mismatch(expected[i], actual[i], `${path}[${i}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (isPlainObject(expected)) {
    if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) return differ();
    const record = actual as Record<string, unknown>;
    for (const [key, value] of Object.entries(expected)) {
      const at = path === '' ? key : `${path}.${key}`;
      if (value === undefined) {
        if (record[key] !== undefined) return `${at}: expected to be absent, got ${show(record[key])}`;
        continue;
      }
      const found = mismatch(value, record[key], at);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  return Object.is(expected, actual) ? undefined : differ();
}

/**
 * The parts of `actual` that `shape` (an expected subset) talks about, so that an expected line and
 * an actual line of a diff show the same keys. Arrays of another length are kept whole.
 */
export function pick(actual: unknown, shape: unknown): unknown {
  if (Array.isArray(shape) && Array.isArray(actual) && actual.length === shape.length) {
    return actual.map((item, i) => pick(item, shape[i]));
  }
  if (isPlainObject(shape) && typeof actual === 'object' && actual !== null && !Array.isArray(actual)) {
    const record = actual as Record<string, unknown>;
    return Object.fromEntries(Object.keys(shape).filter((key) => key in record).map((key) => [key, pick(record[key], shape[key])]));
  }
  return actual;
}

/** Compact JSON for messages: matchers by name and sample (`StringMatching /abc/`), Dates as ISO strings, RegExps as `/…/`, long text cut. */
export function show(value: unknown, max = 240): string {
  if (value === undefined) return 'undefined';
  const matchers: string[] = [];
  const text =
    JSON.stringify(value, function (this: unknown, key: string) {
      // Read the raw value: JSON.stringify has already applied Date#toJSON to the argument.
      const raw = key === '' ? value : (this as Record<string, unknown>)[key];
      if (isMatcher(raw)) return `${MATCHER_MARK}${matchers.push(matcherText(raw)) - 1}${MATCHER_MARK}`;
      if (raw instanceof RegExp) return String(raw);
      if (raw instanceof Date) return Number.isNaN(raw.getTime()) ? 'Invalid Date' : raw.toISOString();
      if (typeof raw === 'bigint') return `${raw}n`;
      if (raw === undefined) return undefined;
      return raw;
    })?.replace(MATCHER_SLOT, (_, index: string) => matchers[Number(index)]!) ?? String(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

// A matcher is printed unquoted in place of the placeholder JSON.stringify quoted.
const MATCHER_MARK = '\u2063matcher\u2063';
const MATCHER_SLOT = new RegExp(`"${MATCHER_MARK}(\\d+)${MATCHER_MARK}"`, 'g');

/**
 * How Jest's and vitest's printers name a matcher: its own `toAsymmetricMatcher()` text
 * (`Any<String>`, `NumberCloseTo 1.5 (2 digits)`), else its `toString()` (`StringMatching`) followed by
 * its `sample` (`/abc/`, `{"a":1}`), else its class name.
 */
function matcherText(matcher: AsymmetricMatcher): string {
  const named = matcher as { toAsymmetricMatcher?: () => string; toString(): string; sample?: unknown };
  if (typeof named.toAsymmetricMatcher === 'function') return named.toAsymmetricMatcher();
  const text = named.toString();
  const name = text === '[object Object]' ? matcher.constructor?.name || 'matcher' : text;
  if (!('sample' in named)) return name;
  const sample = named.sample;
  return `${name} ${sample instanceof RegExp ? String(sample) : typeof sample === 'function' ? sample.name : show(sample, 120)}`;
}

/** A thrown value in one line for a failure message: `CODE: message` for the library's errors, `TypeError: message`, or a plain Error's message. */
export function describeError(error: unknown): string {
  if (isKernelError(error)) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return error.name === 'Error' ? error.message : `${error.name}: ${error.message}`;
  return show(error);
}
