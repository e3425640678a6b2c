import { joinPath, type Issues } from '../../kernel/validation';
import { nodeCrypto } from '../../kernel/node-crypto';

/*
 * The one rule for text the library stores: well-formed Unicode (no lone surrogate), no NUL, and
 * at most a documented number of code points. Lengths count code points, as people and the clouds'
 * tag rules count characters; every limit is small enough that the UTF-8 form (at most 4 bytes per
 * code point) of an indexed value stays far below PostgreSQL's btree entry limit (2,704 bytes).
 * A host's text breaking the rule is refused (VALIDATION_FAILED); the cloud's is normalised.
 */

/** Longest stored text of each kind, in Unicode code points (see docs/domain.md, "Text"). */
export const TEXT_LIMITS = Object.freeze({
  /** Machine ids and provider resource ids (≤ 1,024 bytes as UTF-8). */
  id: 256,
  /** Machine names, instance types, resource and cloud host ids of a machine. */
  name: 256,
  /** Request idempotency keys. */
  idempotencyKey: 256,
  /** Tag keys. */
  tagKey: 128,
  /** Tag values. */
  tagValue: 256,
  /** Status reasons, cancel reasons, provider messages. */
  reason: 1000,
} as const);

/** The kinds of stored text, each with its limit in {@link TEXT_LIMITS}. */
export type TextKind = keyof typeof TEXT_LIMITS;

/** What replaces a lone surrogate or a NUL in normalised text (U+FFFD REPLACEMENT CHARACTER). */
export const REPLACEMENT_CHARACTER = '\uFFFD';
/** What ends normalised text that was cut at its limit (U+2026 HORIZONTAL ELLIPSIS, one code point). */
export const TRUNCATION_MARKER = '\u2026';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const UNSTORABLE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|\u0000/g;

/** The number of Unicode code points in `text` (a surrogate pair counts once, a lone surrogate once). */
export function codePointLength(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}

/** How a text breaks the rule: `storableText` (NUL, lone surrogate) or `textLength` (too many code points). */
export interface TextProblem {
  readonly constraint: 'storableText' | 'textLength';
  readonly message: string;
}

/**
 * Why `text` breaks the rule for `kind`, or undefined when it may be stored: a NUL, a lone surrogate,
 * or more code points than {@link TEXT_LIMITS}`[kind]`. Emptiness is the caller's rule.
 */
export function textProblem(text: string, kind: TextKind): TextProblem | undefined {
  const nul = text.indexOf('\u0000');
  if (nul >= 0) return { constraint: 'storableText', message: `must not contain NUL (U+0000); found at index ${nul}` };
  const lone = LONE_SURROGATE.exec(text);
  if (lone !== null) {
    const unit = lone[0].charCodeAt(0).toString(16).toUpperCase();
    return { constraint: 'storableText', message: `must be valid Unicode; found a lone surrogate (U+${unit}) at index ${lone.index}` };
  }
  const limit = TEXT_LIMITS[kind];
  if (text.length > limit) {
    const length = codePointLength(text);
    if (length > limit) return { constraint: 'textLength', message: `must be at most ${limit} characters (Unicode code points), got ${length}` };
  }
  return undefined;
}

/** Adds an issue at `path` when `text` breaks the rule for `kind`; true when it does not. */
export function checkText(issues: Issues, path: string, text: string, kind: TextKind): boolean {
  const problem = textProblem(text, kind);
  if (problem !== undefined) issues.add(path, problem.constraint, problem.message);
  return problem === undefined;
}

/** Why `text` cannot be stored at any length (a NUL or a lone surrogate), or undefined. */
function unstorable(text: string): TextProblem | undefined {
  const problem = textProblem(text, 'reason');
  return problem?.constraint === 'storableText' ? problem : undefined;
}

/**
 * Adds an issue for every string inside `value` (object keys included, down to 64 levels, each
 * object visited once, so a cycle or a shared branch costs nothing more) holding a NUL or a lone
 * surrogate; lengths are the caller's rule. For free-form documents such as a template.
 */
export function checkStorableStrings(issues: Issues, path: string, value: unknown): void {
  walkStrings(issues, path, value, 0, new WeakSet());
}

function walkStrings(issues: Issues, path: string, value: unknown, depth: number, seen: WeakSet<object>): void {
  if (typeof value === 'string') {
    const problem = unstorable(value);
    if (problem !== undefined) issues.add(path, problem.constraint, problem.message);
    return;
  }
  if (typeof value !== 'object' || value === null || depth >= 64 || seen.has(value)) return;
  seen.add(value);
  for (const [key, item] of Object.entries(value)) {
    const problem = unstorable(key);
    if (problem !== undefined) issues.add(joinPath(path, key), problem.constraint, `its key ${problem.message}`);
    else walkStrings(issues, joinPath(path, Array.isArray(value) ? Number(key) : key), item, depth + 1, seen);
  }
}

/**
 * The cloud's `text` made storable for `kind`: each lone surrogate and NUL becomes U+FFFD, and text
 * longer than the limit is cut to `limit - 1` code points plus {@link TRUNCATION_MARKER}. Text that
 * already follows the rule is returned unchanged. Never throws.
 */
export function normaliseText(text: string, kind: TextKind): string {
  return truncate(text.replace(UNSTORABLE, REPLACEMENT_CHARACTER), TEXT_LIMITS[kind]);
}

/** `text` (already well-formed) cut to `limit` code points, the last being the marker, when longer. */
function truncate(text: string, limit: number): string {
  if (text.length <= limit || codePointLength(text) <= limit) return text;
  let kept = '';
  let count = 0;
  for (const character of text) {
    if (++count >= limit) break;
    kept += character;
  }
  return kept + TRUNCATION_MARKER;
}

/** Hex digits of the digest suffix that keeps normalised machine ids apart (96 bits). */
const DIGEST_HEX = 24;

/**
 * The cloud's machine id made storable, unique and stable. A non-empty id that follows the rule and
 * has no surrounding blanks is kept as is. Any other id becomes its normalised text (blanks trimmed,
 * cut to fit) followed by U+FFFD and 24 hex digits of the SHA-256 of its UTF-16 code units: the same
 * id always gives the same result, two different ids never share one in practice, and the result is
 * kept as is when given again, so a provider that reports back the id it was handed names the same
 * machine. Providers that must recognise their ids later compare against this function's answer.
 */
export function normaliseMachineId(id: string): string {
  if (id !== '' && id.trim() === id && textProblem(id, 'id') === undefined) return id;
  const digest = nodeCrypto().createHash('sha256').update(Buffer.from(id, 'utf16le')).digest('hex').slice(0, DIGEST_HEX);
  const room = TEXT_LIMITS.id - 1 - DIGEST_HEX;
  return `${truncate(id.replace(UNSTORABLE, REPLACEMENT_CHARACTER).trim(), room)}${REPLACEMENT_CHARACTER}${digest}`;
}
