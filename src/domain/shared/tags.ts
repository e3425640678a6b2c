import { TEXT_LIMITS, textProblem } from './text';
import { Issues, isRecord, joinPath, describeValue } from '../../kernel/validation';

/** Key/value labels (instance tags, request tags). Keys 1–128 code points, values at most 256; both storable text. */
export type Tags = Readonly<Record<string, string>>;

/** Longest tag key accepted. */
export const MAX_TAG_KEY_LENGTH = TEXT_LIMITS.tagKey;
/** Longest tag value accepted. */
export const MAX_TAG_VALUE_LENGTH = TEXT_LIMITS.tagValue;

/**
 * Parses tags from the wire form `"k1=v1;k2=v2"` (blank entries ignored, value may contain `=`) or
 * from a map of strings. `undefined`/`null`/`""` give `{}`. Throws VALIDATION_FAILED listing every
 * bad entry under `field` (e.g. `instanceTags.team`).
 */
export function parseTags(value: unknown, field = 'tags'): Tags {
  const issues = new Issues();
  const tags: Record<string, string> = {};
  const put = (key: string, raw: unknown, path: string): void => {
    const keyProblem = textProblem(key, 'tagKey');
    if (key.length < 1 || keyProblem !== undefined) {
      if (keyProblem?.constraint === 'storableText') issues.add(path, 'storableText', `tag keys ${keyProblem.message}`);
      else issues.add(path, 'tagKeyLength', `tag keys must be 1-${MAX_TAG_KEY_LENGTH} characters (Unicode code points), got ${describeValue(key)}`);
      return;
    }
    if (typeof raw !== 'string') {
      issues.add(path, 'isString', `tag values must be strings, got ${describeValue(raw)}`);
      return;
    }
    const valueProblem = textProblem(raw, 'tagValue');
    if (valueProblem !== undefined) {
      issues.add(path, valueProblem.constraint === 'textLength' ? 'tagValueLength' : 'storableText', `tag values ${valueProblem.message}`);
      return;
    }
    if (Object.hasOwn(tags, key)) {
      issues.add(path, 'uniqueTagKey', 'a tag key is given twice (keys are compared after trimming blanks); keep one');
      return;
    }
    tags[key] = raw;
  };

  if (value === undefined || value === null || value === '') return {};
  if (typeof value === 'string') {
    value.split(';').forEach((entry, index) => {
      if (entry.trim() === '') return;
      const eq = entry.indexOf('=');
      if (eq < 0) {
        issues.add(joinPath(field, index), 'tagFormat', `each tag must be key=value, got ${describeValue(entry)}`);
        return;
      }
      const key = entry.slice(0, eq).trim();
      put(key, entry.slice(eq + 1).trim(), joinPath(field, key === '' ? index : key));
    });
  } else if (isRecord(value)) {
    for (const [key, raw] of Object.entries(value)) put(key, raw, joinPath(field, key));
  } else {
    issues.add(field, 'isTags', `must be a "k=v;k=v" string or a map of strings, got ${describeValue(value)}`);
  }
  issues.throwIfAny('tags');
  return tags;
}

/** The wire form `"k1=v1;k2=v2"` of `tags` in insertion order; `""` for no tags. */
export function formatTags(tags: Tags): string {
  return Object.entries(tags)
    .map(([key, value]) => `${key}=${value}`)
    .join(';');
}

/** True when `parseTags(formatTags(tags))` gives `tags` back (no `;`/`=` in keys, no `;` in values, no edge blanks). */
export function isWireSafe(tags: Tags): boolean {
  return Object.entries(tags).every(([k, v]) => !/[;=]/.test(k) && !v.includes(';') && k.trim() === k && v.trim() === v);
}
