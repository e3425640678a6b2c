/**
 * The rule names class-validator 0.15's own decorators register (its `IS_*`, `MIN`, … constants,
 * `isDefined` included). A rule with one of these names on both its metadata and its constraint is
 * a built-in: the plan calls its constraint directly. Any other name is a custom constraint.
 */
export const BUILT_IN_RULES: ReadonlySet<string> = new Set([
  'IsFirebasePushId', 'arrayContains', 'arrayMaxSize', 'arrayMinSize', 'arrayNotContains', 'arrayNotEmpty',
  'arrayUnique', 'contains', 'equals', 'isAlpha', 'isAlphanumeric', 'isArray',
  'isAscii', 'isBIC', 'isBase32', 'isBase58', 'isBase64', 'isBoolean',
  'isBooleanString', 'isBtcAddress', 'isByteLength', 'isCreditCard', 'isCurrency', 'isDataURI',
  'isDate', 'isDateString', 'isDecimal', 'isDefined', 'isDivisibleBy', 'isEAN',
  'isEmail', 'isEmpty', 'isEnum', 'isEthereumAddress', 'isFqdn', 'isFullWidth',
  'isHSL', 'isHalfWidth', 'isHash', 'isHexColor', 'isHexadecimal', 'isIBAN',
  'isISO31661Alpha2', 'isISO31661Alpha3', 'isISO31661Numeric', 'isISO4217CurrencyCode', 'isISO6391', 'isISRC',
  'isISSN', 'isIdentityCard', 'isIn', 'isInstance', 'isInt', 'isIp',
  'isIsbn', 'isIsin', 'isIso8601', 'isJson', 'isJwt', 'isLatLong',
  'isLatitude', 'isLength', 'isLocale', 'isLongitude', 'isLowercase', 'isMacAddress',
  'isMagnetURI', 'isMilitaryTime', 'isMimeType', 'isMobilePhone', 'isMongoId', 'isMultibyte',
  'isNegative', 'isNotEmpty', 'isNotEmptyObject', 'isNotIn', 'isNumber', 'isNumberString',
  'isObject', 'isOctal', 'isPassportNumber', 'isPhoneNumber', 'isPort', 'isPositive',
  'isPostalCode', 'isRFC3339', 'isRgbColor', 'isSemVer', 'isString', 'isStrongPassword',
  'isSurrogatePair', 'isTaxId', 'isTimeZone', 'isUppercase', 'isUrl', 'isUuid',
  'isVariableWidth', 'matches', 'max', 'maxDate', 'maxLength', 'min',
  'minDate', 'minLength', 'notContains', 'notEquals',
]);

type Test = (value: unknown) => boolean;

/** A surrogate or a variation selector: the characters validator's `isLength` does not count one by one. */
const UNEVEN = /[\uD800-\uDFFF\uFE0E\uFE0F]/;

/**
 * A string's length as validator's `isLength` (under class-validator's `minLength`/`maxLength`)
 * counts it: a surrogate pair, or a character followed by a variation selector, counts once.
 */
function countedLength(text: string): number {
  if (!UNEVEN.test(text)) return text.length;
  const presentation = text.match(/[^\uFE0F\uFE0E][\uFE0F\uFE0E]/g)?.length ?? 0;
  const pairs = text.match(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g)?.length ?? 0;
  return text.length - presentation - pairs;
}

/**
 * Direct tests for the hottest built-ins, given the rule's constraints: what class-validator 0.15's
 * own functions answer, without their calling chain. A plan uses one only after it answered like
 * the rule's constraint on every probe (see `specialise`).
 */
const DIRECT: Record<string, (constraints: readonly unknown[]) => Test | undefined> = {
  isString: () => (v) => typeof v === 'string' || v instanceof String,
  isBoolean: () => (v) => typeof v === 'boolean' || v instanceof Boolean,
  isInt: () => (v) => typeof v === 'number' && Number.isInteger(v),
  isArray: () => (v) => Array.isArray(v),
  isObject: () => (v) => v !== null && v !== undefined && (typeof v === 'object' || typeof v === 'function') && !Array.isArray(v),
  min: ([bound]) => (typeof bound === 'number' ? (v) => typeof v === 'number' && v >= bound : undefined),
  max: ([bound]) => (typeof bound === 'number' ? (v) => typeof v === 'number' && v <= bound : undefined),
  minLength: ([bound]) => (typeof bound === 'number' ? (v) => typeof v === 'string' && countedLength(v) >= (bound || 0) : undefined),
  maxLength: ([bound]) => (typeof bound === 'number' ? (v) => typeof v === 'string' && countedLength(v) <= bound : undefined),
  isIn: ([allowed]) => (Array.isArray(allowed) ? (v) => allowed.includes(v) && !Number.isNaN(v) : undefined),
};

/** Values on which a direct test must agree with the rule's own constraint before it replaces it. */
const PROBES: readonly unknown[] = [
  undefined, null, 0, -0, 1, -1, 1.5, 2 ** 53, NaN, Infinity, -Infinity, '', 'a', '1', 'true', true, false,
  'abc', 'abcd', '\uD83D\uDE00', 'a\uD83D\uDE00b', '\uD800', 'a\uFE0F', '\uFE0Fa', 'a\uD83D\uDE00\uFE0F', '\uDC00\uFE0E\uD800',
  [], ['a'], {}, () => 1, new Date(0), Object.create(null), new String('s'), new Boolean(false), new Number(1), 1n, Symbol.for('probe'),
];

/**
 * A direct test for the built-in rule `name` with `constraints`, or undefined when there is none
 * or when it does not answer like `validate` (the rule's own constraint) on every probe.
 */
export function specialise(name: string, constraints: readonly unknown[] | undefined, validate: Test): Test | undefined {
  const test = DIRECT[name]?.(constraints ?? []);
  if (test === undefined) return undefined;
  const probes = [...PROBES, ...(constraints ?? []), ...(Array.isArray(constraints?.[0]) ? (constraints[0] as unknown[]) : [])];
  for (const probe of probes) if (test(probe) !== Boolean(validate(probe))) return undefined;
  return test;
}
