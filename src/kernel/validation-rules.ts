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
