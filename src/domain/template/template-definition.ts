import { checkStorableStrings } from '../shared/text';
import { parseTemplateId, type TemplateId } from '../shared/ids';
import { isJsonValue, type JsonValue } from '../shared/json';
import { parseTags, type Tags } from '../shared/tags';
import { Issues, collect, isRecord, joinPath, describeValue } from '../../kernel/validation';
import { parseTemplateAttributes, type TemplateAttributeInput, type TemplateAttributes } from './template-attributes';

/** How machines of a template are bought. */
export type PriceType = 'ondemand' | 'spot' | 'heterogeneous';

/** Every price type, in documentation order. */
export const PRICE_TYPES: readonly PriceType[] = ['ondemand', 'spot', 'heterogeneous'];

/** Highest `maxNumber`, and the cap applied to an unlimited (−1) template. */
export const MAX_TEMPLATE_CAPACITY = 10_000;

/**
 * A template as accepted from a Symphony templates file or an API: the Symphony keys below; any
 * other key is provider configuration and is kept verbatim. `null` counts as absent.
 */
export interface TemplateInput {
  templateId: string;
  maxNumber: number;
  attributes: Readonly<Record<string, TemplateAttributeInput>>;
  priceType?: PriceType | null;
  vmType?: string | null;
  vmTypes?: Readonly<Record<string, number>> | null;
  imageId?: string | null;
  subnetIds?: readonly string[] | null;
  /** Symphony's spelling: one subnet or a list. Give this or `subnetIds`, not both. */
  subnetId?: string | readonly string[] | null;
  securityGroupIds?: readonly string[] | null;
  keyName?: string | null;
  userData?: string | null;
  /** `"k=v;k=v"` or a map. */
  instanceTags?: string | Readonly<Record<string, string>> | null;
  providerApi?: string | null;
  /** Provider keys given as one map (merged under any top-level provider keys). */
  providerConfig?: Readonly<Record<string, unknown>> | null;
  active?: boolean | null;
  [providerKey: string]: unknown;
}

/** A validated, normalised template (JSON data); absent optional settings are `null`. */
export interface TemplateDefinition {
  readonly templateId: TemplateId;
  /** −1 (unlimited, capped at {@link MAX_TEMPLATE_CAPACITY}) … 10000; units for spot/heterogeneous. */
  readonly maxNumber: number;
  readonly attributes: TemplateAttributes;
  readonly priceType: PriceType;
  readonly vmType: string | null;
  /** Instance type → weight (integer ≥ 1). */
  readonly vmTypes: Readonly<Record<string, number>> | null;
  readonly imageId: string | null;
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
  readonly keyName: string | null;
  readonly userData: string | null;
  readonly instanceTags: Tags;
  readonly providerApi: string | null;
  /** Every non-Symphony key of the input, verbatim. */
  readonly providerConfig: Readonly<Record<string, JsonValue>>;
  readonly active: boolean;
}

const SYMPHONY_KEYS = new Set([
  'templateId', 'maxNumber', 'attributes', 'priceType', 'vmType', 'vmTypes', 'imageId', 'subnetIds', 'subnetId',
  'securityGroupIds', 'keyName', 'userData', 'instanceTags', 'providerApi', 'providerConfig', 'active',
]);
const VOLUME_TYPES = ['gp2', 'gp3', 'io1', 'io2', 'standard'];
const ALLOCATION_STRATEGIES = ['capacityOptimized', 'capacityOptimizedPrioritized', 'diversified', 'lowestPrice'];

/**
 * Validates and normalises a template input. Throws one VALIDATION_FAILED listing every problem
 * with its path (`maxNumber`, `attributes.ncpus`, `vmTypes.m5.large`, `iops`, ...).
 */
export function parseTemplateDefinition(input: unknown): TemplateDefinition {
  const issues = new Issues();
  if (!isRecord(input)) {
    issues.add('', 'isObject', `a template must be an object, got ${describeValue(input)}`);
    issues.throwIfAny('template');
  }
  const raw = input as Record<string, unknown>;
  const get = (key: string): unknown => (raw[key] === null ? undefined : raw[key]);

  const templateId = collect(issues, () => parseTemplateId(raw.templateId));
  const maxNumber = get('maxNumber');
  if (!Number.isInteger(maxNumber) || (maxNumber as number) < -1 || (maxNumber as number) > MAX_TEMPLATE_CAPACITY) {
    issues.add('maxNumber', 'isInt', `must be an integer from -1 (unlimited) to ${MAX_TEMPLATE_CAPACITY}, got ${describeValue(maxNumber)}`);
  }
  const attributes = collect(issues, () => parseTemplateAttributes(raw.attributes));
  const priceType = get('priceType') ?? 'ondemand';
  if (!PRICE_TYPES.includes(priceType as PriceType)) {
    issues.add('priceType', 'isIn', `must be one of ${PRICE_TYPES.join(', ')}, got ${describeValue(priceType)}`);
  }
  const vmType = optionalString(issues, 'vmType', get('vmType'));
  const vmTypes = parseVmTypes(issues, get('vmTypes'));
  if (priceType === 'ondemand' && vmType === null && vmTypes === null) {
    issues.add('vmType', 'required', 'an ondemand template needs vmType (one instance type) or vmTypes');
  }
  if ((priceType === 'spot' || priceType === 'heterogeneous') && vmTypes === null && get('vmTypes') === undefined) {
    issues.add('vmTypes', 'required', `a ${String(priceType)} template needs vmTypes (instance type -> weight >= 1)`);
  }
  if (get('subnetIds') !== undefined && get('subnetId') !== undefined) {
    issues.add('subnetId', 'exclusive', 'give subnetIds or subnetId, not both');
  }
  const subnetSource = get('subnetIds') !== undefined ? 'subnetIds' : 'subnetId';
  const subnetValue = get(subnetSource);
  const subnetIds = stringList(issues, subnetSource, typeof subnetValue === 'string' && subnetSource === 'subnetId' ? [subnetValue] : subnetValue);
  const securityGroupIds = stringList(issues, 'securityGroupIds', get('securityGroupIds'));
  const instanceTags = collect(issues, () => parseTags(get('instanceTags'), 'instanceTags'));
  const active = get('active') ?? true;
  if (typeof active !== 'boolean') issues.add('active', 'isBoolean', `must be true or false, got ${describeValue(active)}`);
  const userData = get('userData');
  if (userData !== undefined && typeof userData !== 'string') issues.add('userData', 'isString', `must be a string, got ${describeValue(userData)}`);

  const providerConfig = parseProviderConfig(issues, raw);
  const definition: TemplateDefinition = {
    templateId: templateId ?? '',
    maxNumber: maxNumber as number,
    attributes: attributes ?? {},
    priceType: priceType as PriceType,
    vmType,
    vmTypes,
    imageId: optionalString(issues, 'imageId', get('imageId')),
    subnetIds,
    securityGroupIds,
    keyName: optionalString(issues, 'keyName', get('keyName')),
    userData: (userData as string | undefined) ?? null,
    instanceTags: instanceTags ?? {},
    providerApi: optionalString(issues, 'providerApi', get('providerApi')),
    providerConfig,
    active: active as boolean,
  };
  // Every string a template stores, keys included: no NUL, no lone surrogate (docs/domain.md, "Text").
  checkStorableStrings(issues, '', definition);
  issues.throwIfAny('template');
  return definition;
}

function optionalString(issues: Issues, path: string, value: unknown): string | null {
  if (value === undefined) return null;
  if (typeof value !== 'string' || value.trim() === '') {
    issues.add(path, 'isNotEmpty', `must be a non-empty string, got ${describeValue(value)}`);
    return null;
  }
  return value;
}

function stringList(issues: Issues, path: string, value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    issues.add(path, 'isArray', `must be a list of strings, got ${describeValue(value)}`);
    return [];
  }
  value.forEach((item, index) => {
    if (typeof item !== 'string' || item.trim() === '') {
      issues.add(joinPath(path, index), 'isNotEmpty', `must be a non-empty string, got ${describeValue(item)}`);
    }
  });
  return [...new Set(value.filter((item): item is string => typeof item === 'string'))];
}

function parseVmTypes(issues: Issues, value: unknown): Record<string, number> | null {
  if (value === undefined) return null;
  if (!isRecord(value) || Object.keys(value).length === 0) {
    issues.add('vmTypes', 'isWeightMap', `must map at least one instance type to an integer weight >= 1, got ${describeValue(value)}`);
    return null;
  }
  const weights: Record<string, number> = {};
  for (const [instanceType, weight] of Object.entries(value)) {
    if (instanceType.trim() === '') issues.add('vmTypes', 'isNotEmpty', 'instance type names must not be empty');
    else if (!Number.isInteger(weight) || (weight as number) < 1) {
      issues.add(joinPath('vmTypes', instanceType), 'isInt', `the weight must be an integer >= 1, got ${describeValue(weight)}`);
    } else weights[instanceType] = weight as number;
  }
  return weights;
}

function parseProviderConfig(issues: Issues, raw: Record<string, unknown>): Record<string, JsonValue> {
  const config: Record<string, unknown> = {};
  const nested = raw.providerConfig;
  if (nested !== undefined && nested !== null) {
    if (isRecord(nested)) {
      for (const key of Object.keys(nested)) {
        if (SYMPHONY_KEYS.has(key)) issues.add(joinPath('providerConfig', key), 'notProviderKey', `${key} is a template key; give it at the top level`);
        else if (key === '__proto__') issues.add(joinPath('providerConfig', key), 'forbiddenKey', 'the key "__proto__" is not allowed in input');
        else config[key] = nested[key];
      }
    }
    else issues.add('providerConfig', 'isObject', `must be an object, got ${describeValue(nested)}`);
  }
  for (const [key, value] of Object.entries(raw)) {
    // A "__proto__" key (JSON.parse makes it an own key) would set the prototype of `config`.
    if (key === '__proto__') issues.add(key, 'forbiddenKey', 'the key "__proto__" is not allowed in input');
    else if (!SYMPHONY_KEYS.has(key) && value !== undefined) config[key] = value;
  }
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined) delete config[key];
    else if (!isJsonValue(value)) issues.add(key, 'isJson', `provider settings must be JSON data, got ${describeValue(value)}`);
  }
  checkProviderRanges(issues, config);
  return config as Record<string, JsonValue>;
}

function checkProviderRanges(issues: Issues, config: Record<string, unknown>): void {
  const intIn = (key: string, min: number, max: number): void => {
    const v = config[key];
    if (v !== undefined && (!Number.isInteger(v) || (v as number) < min || (v as number) > max)) {
      issues.add(key, 'isInt', `must be an integer from ${min} to ${max}, got ${describeValue(v)}`);
    }
  };
  const oneOf = (key: string, allowed: readonly string[]): void => {
    const v = config[key];
    if (v !== undefined && !allowed.includes(v as string)) issues.add(key, 'isIn', `must be one of ${allowed.join(', ')}, got ${describeValue(v)}`);
  };
  intIn('rootDeviceVolumeSize', 1, 16_384);
  intIn('iops', 100, 64_000);
  const percent = config.percentOnDemand;
  if (percent !== undefined && (typeof percent !== 'number' || !(percent >= 0 && percent <= 100))) {
    issues.add('percentOnDemand', 'isInRange', `must be a number from 0 to 100, got ${describeValue(percent)}`);
  }
  // IBM's template priority (higher first): a number `priority`, or LSF's string `Priority` ("10"); both kept verbatim.
  const priority = config.priority;
  if (priority !== undefined && (!Number.isInteger(priority) || (priority as number) < 0)) {
    issues.add('priority', 'isInt', `must be a whole number >= 0 (higher is tried first), got ${describeValue(priority)}`);
  }
  const lsfPriority = config.Priority;
  if (lsfPriority !== undefined && (typeof lsfPriority !== 'string' || !/^\d{1,9}$/.test(lsfPriority.trim()))) {
    issues.add('Priority', 'isNumberString', `LSF's Priority is a whole number >= 0 written as a string ("10"), got ${describeValue(lsfPriority)}`);
  }
  oneOf('volumeType', VOLUME_TYPES);
  oneOf('allocationStrategy', ALLOCATION_STRATEGIES);
  if (config.iops !== undefined && config.volumeType !== 'io1' && config.volumeType !== 'io2') {
    issues.add('iops', 'requiresProvisionedIops', `iops applies only with volumeType io1 or io2, not with the volumeType given`);
  }
}
