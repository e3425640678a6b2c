import { Matches } from 'class-validator';

/** Text without NUL and without a lone surrogate (a surrogate pair is one code point, and allowed). */
const STORABLE = /^(?:[^\u0000\uD800-\uDFFF]|[\uD800-\uDBFF][\uDC00-\uDFFF])*$/;

/**
 * A command or query string field must be storable text (docs/domain.md, "Text"): a NUL or a lone
 * surrogate is VALIDATION_FAILED naming the field, before any storage or cloud call. Built on
 * class-validator's `@Matches`, so compiled validation keeps its fast path; lengths stay with
 * `@MaxLength` and the domain, which counts code points.
 */
export function StorableText(): PropertyDecorator {
  return Matches(STORABLE, { message: ({ property }) => `${property} must be valid Unicode text without NUL (U+0000) or a lone surrogate` });
}
