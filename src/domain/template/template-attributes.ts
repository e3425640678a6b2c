import { Issues, isRecord, joinPath, describeValue } from '../../kernel/validation';

/** Kind of a template attribute: IBM's `String`, `Numeric` and `Boolean` (value `"0"` or `"1"`). */
export type AttributeKind = 'String' | 'Numeric' | 'Boolean';

/** A normalised attribute: `[kind, value]` with the value as text (Symphony's form). */
export type TemplateAttribute = readonly [AttributeKind, string];

/** Normalised attributes; always contains `type` (String), `ncpus` and `nram` or LSF's `mem` (Numeric, > 0). */
export type TemplateAttributes = Readonly<Record<string, TemplateAttribute>>;

/**
 * An attribute as accepted on input: a `[kind, value]` pair or a plain string or number. Typed as
 * any array so JSON-shaped literals compile; the pair shape is checked at run time.
 */
export type TemplateAttributeInput = readonly (string | number)[] | string | number;

/** Attributes whose plain values are always Numeric, even when written as strings; when given, they must be Numeric > 0. */
const NUMERIC_ATTRIBUTES = new Set(['ncpus', 'nram', 'mem', 'ncores', 'nthreads']);
const KINDS: readonly AttributeKind[] = ['String', 'Numeric', 'Boolean'];
/** `type` and `ncpus` are required, and memory as Symphony's `nram`, LSF's `mem`, or both. */
const REQUIRED: ReadonlyArray<readonly [string, AttributeKind]> = [
  ['type', 'String'],
  ['ncpus', 'Numeric'],
];

/**
 * Normalises template attributes: plain numbers become `Numeric`, plain strings `String` (but
 * `ncpus`, `nram`, `mem`, `ncores`, `nthreads` are always `Numeric`), values become text; a
 * `[kind, "text"]` pair is kept as given. Kinds are `String`, `Numeric` and `Boolean` (`"0"` or
 * `"1"`). Requires `type`, `ncpus` > 0 and `nram` or `mem` > 0 (both may be given). Throws
 * VALIDATION_FAILED listing every problem under `field` (`attributes.ncpus`).
 */
export function parseTemplateAttributes(value: unknown, field = 'attributes'): TemplateAttributes {
  const issues = new Issues();
  const result: Record<string, TemplateAttribute> = {};
  if (!isRecord(value)) {
    issues.add(field, 'isObject', `must be a map of attribute name to [kind, value], got ${describeValue(value)}`);
    issues.throwIfAny('template attributes');
  }
  for (const [name, raw] of Object.entries(value as Record<string, unknown>)) {
    const path = joinPath(field, name);
    const attribute = normaliseOne(name, raw, path, issues);
    if (attribute !== undefined) result[name] = attribute;
  }
  const given = (name: string) => Object.hasOwn(value as object, name);
  const checked = [...REQUIRED, ...[...NUMERIC_ATTRIBUTES].filter((name) => name !== 'ncpus' && given(name)).map((name) => [name, 'Numeric'] as const)];
  for (const [name, kind] of checked) {
    const path = joinPath(field, name);
    const attribute = result[name];
    if (!given(name)) {
      issues.add(path, 'required', `the ${name} attribute is required (${kind})`);
    } else if (attribute !== undefined && attribute[0] !== kind) {
      issues.add(path, 'attributeKind', `${name} must be ${kind}, got ${attribute[0]}`);
    } else if (attribute !== undefined && kind === 'Numeric' && !(Number(attribute[1]) > 0)) {
      issues.add(path, 'isPositive', `${name} must be greater than 0, got ${describeValue(attribute[1])}`);
    } else if (attribute !== undefined && attribute[1].trim() === '') {
      issues.add(path, 'isNotEmpty', `${name} must not be empty`);
    }
  }
  if (!given('nram') && !given('mem')) {
    issues.add(joinPath(field, 'nram'), 'required', 'the nram attribute (Symphony) or mem attribute (LSF) is required (Numeric, MB)');
  }
  issues.throwIfAny('template attributes');
  return result;
}

function normaliseOne(name: string, raw: unknown, path: string, issues: Issues): TemplateAttribute | undefined {
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) return void issues.add(path, 'isFinite', `must be a finite number, got ${describeValue(raw)}`);
    return ['Numeric', String(raw)];
  }
  if (typeof raw === 'string') {
    if (!NUMERIC_ATTRIBUTES.has(name)) return ['String', raw];
    if (raw.trim() === '' || !Number.isFinite(Number(raw))) {
      return void issues.add(path, 'isNumeric', `${name} is Numeric and needs a number, got ${describeValue(raw)}`);
    }
    return ['Numeric', raw.trim()];
  }
  if (Array.isArray(raw) && raw.length === 2) {
    const [kind, text] = raw as [unknown, unknown];
    if (!KINDS.includes(kind as AttributeKind)) {
      return void issues.add(path, 'attributeKind', `kind must be "String", "Numeric" or "Boolean", got ${describeValue(kind)}`);
    }
    if (typeof text !== 'string' && !(typeof text === 'number' && Number.isFinite(text))) {
      return void issues.add(path, 'attributeValue', `value must be a string or a finite number, got ${describeValue(text)}`);
    }
    const textValue = String(text);
    if (kind === 'Numeric' && (textValue.trim() === '' || !Number.isFinite(Number(textValue)))) {
      return void issues.add(path, 'isNumeric', `a Numeric attribute needs a number as its value, got ${describeValue(text)}`);
    }
    if (kind === 'Boolean' && textValue !== '0' && textValue !== '1') {
      return void issues.add(path, 'isBooleanAttribute', `a Boolean attribute's value is "1" (true) or "0" (false), got ${describeValue(text)}`);
    }
    return [kind as AttributeKind, textValue];
  }
  issues.add(path, 'attributeFormat', `must be [kind, value], a string or a number, got ${describeValue(raw)}`);
  return undefined;
}

/** The numeric value of an attribute, or undefined when absent or not Numeric. */
export function numericAttribute(attributes: TemplateAttributes, name: string): number | undefined {
  const attribute = attributes[name];
  return attribute !== undefined && attribute[0] === 'Numeric' ? Number(attribute[1]) : undefined;
}
