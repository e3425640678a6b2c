import { Issues, isRecord, joinPath, show } from '../shared/validation';

/** Kind of a Symphony template attribute. */
export type AttributeKind = 'String' | 'Numeric';

/** A normalised attribute: `[kind, value]` with the value as text (Symphony's form). */
export type TemplateAttribute = readonly [AttributeKind, string];

/** Normalised attributes; always contains `type` (String), `ncpus` and `nram` (Numeric, > 0). */
export type TemplateAttributes = Readonly<Record<string, TemplateAttribute>>;

/**
 * An attribute as accepted on input: a `[kind, value]` pair or a plain string or number. Typed as
 * any array so JSON-shaped literals compile; the pair shape is checked at run time.
 */
export type TemplateAttributeInput = readonly (string | number)[] | string | number;

/** Attributes whose plain values are always Numeric, even when written as strings. */
const NUMERIC_ATTRIBUTES = new Set(['ncpus', 'nram', 'ncores']);
const REQUIRED: ReadonlyArray<readonly [string, AttributeKind]> = [
  ['type', 'String'],
  ['ncpus', 'Numeric'],
  ['nram', 'Numeric'],
];

/**
 * Normalises template attributes: plain numbers become `Numeric`, plain strings `String` (but
 * `ncpus`, `nram`, `ncores` are always `Numeric`), values become text. Requires `type`, and
 * `ncpus`/`nram` > 0. Throws VALIDATION_FAILED listing every problem under `field` (`attributes.ncpus`).
 */
export function parseTemplateAttributes(value: unknown, field = 'attributes'): TemplateAttributes {
  const issues = new Issues();
  const result: Record<string, TemplateAttribute> = {};
  if (!isRecord(value)) {
    issues.add(field, 'isObject', `must be a map of attribute name to [kind, value], got ${show(value)}`);
    issues.throwIfAny('template attributes');
  }
  for (const [name, raw] of Object.entries(value as Record<string, unknown>)) {
    const path = joinPath(field, name);
    const attribute = normaliseOne(name, raw, path, issues);
    if (attribute !== undefined) result[name] = attribute;
  }
  for (const [name, kind] of REQUIRED) {
    const path = joinPath(field, name);
    const attribute = result[name];
    if (!Object.hasOwn(value as object, name)) {
      issues.add(path, 'required', `the ${name} attribute is required (${kind})`);
    } else if (attribute !== undefined && attribute[0] !== kind) {
      issues.add(path, 'attributeKind', `${name} must be ${kind}, got ${attribute[0]}`);
    } else if (attribute !== undefined && kind === 'Numeric' && !(Number(attribute[1]) > 0)) {
      issues.add(path, 'isPositive', `${name} must be greater than 0, got ${show(attribute[1])}`);
    } else if (attribute !== undefined && attribute[1].trim() === '') {
      issues.add(path, 'isNotEmpty', `${name} must not be empty`);
    }
  }
  issues.throwIfAny('template attributes');
  return result;
}

function normaliseOne(name: string, raw: unknown, path: string, issues: Issues): TemplateAttribute | undefined {
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) return void issues.add(path, 'isFinite', `must be a finite number, got ${show(raw)}`);
    return ['Numeric', String(raw)];
  }
  if (typeof raw === 'string') {
    if (!NUMERIC_ATTRIBUTES.has(name)) return ['String', raw];
    if (raw.trim() === '' || !Number.isFinite(Number(raw))) {
      return void issues.add(path, 'isNumeric', `${name} is Numeric and needs a number, got ${show(raw)}`);
    }
    return ['Numeric', raw.trim()];
  }
  if (Array.isArray(raw) && raw.length === 2) {
    const [kind, text] = raw as [unknown, unknown];
    if (kind !== 'String' && kind !== 'Numeric') {
      return void issues.add(path, 'attributeKind', `kind must be "String" or "Numeric", got ${show(kind)}`);
    }
    if (typeof text !== 'string' && !(typeof text === 'number' && Number.isFinite(text))) {
      return void issues.add(path, 'attributeValue', `value must be a string or a finite number, got ${show(text)}`);
    }
    const textValue = String(text);
    if (kind === 'Numeric' && (textValue.trim() === '' || !Number.isFinite(Number(textValue)))) {
      return void issues.add(path, 'isNumeric', `a Numeric attribute needs a number as its value, got ${show(text)}`);
    }
    return [kind, textValue];
  }
  issues.add(path, 'attributeFormat', `must be [kind, value], a string or a number, got ${show(raw)}`);
  return undefined;
}

/** The numeric value of an attribute, or undefined when absent or not Numeric. */
export function numericAttribute(attributes: TemplateAttributes, name: string): number | undefined {
  const attribute = attributes[name];
  return attribute !== undefined && attribute[0] === 'Numeric' ? Number(attribute[1]) : undefined;
}
