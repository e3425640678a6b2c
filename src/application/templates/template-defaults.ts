import { parseTags } from '../../domain/shared/tags';
import { describeValue, Issues, isRecord, joinPath } from '../../kernel/validation';
import { ValidationError } from '../../kernel/errors';

/**
 * Where a value of an effective template came from: the template itself, a defaults level of the
 * templates file (`provider:<name>`, `providerType:<type>`, `global`), or the instance-type catalogue.
 */
export type TemplateValueSource = 'template' | `provider:${string}` | `providerType:${string}` | 'global' | 'catalogue';

/** Per key of one effective template (`maxNumber`, `attributes.ncpus`, `instanceTags.team`), its source. */
export type TemplateSources = Record<string, TemplateValueSource>;

/** The provider instance a templates file is imported for: its name and, when the host knows it, its type (`aws`). */
export interface TemplateProviderContext {
  readonly name?: string;
  readonly type?: string;
}

/** Templates with their defaults applied, index for index with the file's `templates`, and where each value came from. */
export interface EffectiveTemplates {
  readonly templates: Record<string, unknown>[];
  readonly sources: TemplateSources[];
}

/** Keys merged key by key across levels (a level adds to them); every other key is replaced whole. */
const MERGED_KEYS = new Set(['attributes', 'instanceTags', 'providerConfig']);
/** Keys a defaults level may not set: they identify a template or link levels. */
const NOT_DEFAULTABLE = new Set(['templateId', '__proto__']);
const LEVEL_SECTIONS = ['global', 'providerTypes', 'providers'] as const;
/** Two spellings of one setting: a level giving either is overridden by a higher level giving either. */
const SAME_SETTING: Readonly<Record<string, string>> = { subnetId: 'subnetIds', subnetIds: 'subnetId' };

interface Level {
  readonly source: TemplateValueSource;
  readonly values: Record<string, unknown>;
}

/**
 * Applies the `defaults` section of a templates document to each template, in precedence order:
 * the template, then `defaults.providers[name]` (the template's `providerName`, else `provider.name`),
 * then `defaults.providerTypes[type]` (the provider level's `providerType`, else `provider.type`;
 * a type may `extends` another), then `defaults.global`. `attributes`, `instanceTags` and
 * `providerConfig` merge key by key; other keys are taken whole from the first level that has them.
 * A document without `defaults` comes back unchanged. Throws VALIDATION_FAILED listing every problem:
 * `defaultsCircular` (an `extends` loop), `defaultsLevelMissing` (a named level not declared),
 * `defaultsInvalid` (a level that is not an object, or sets `templateId`), each naming the key and the templates it affects.
 */
export function applyTemplateDefaults(document: unknown, provider: TemplateProviderContext = {}): EffectiveTemplates {
  const list = Array.isArray(document) ? document : isRecord(document) && Array.isArray(document.templates) ? document.templates : [];
  const defaults = isRecord(document) ? document.defaults : undefined;
  const issues = new Issues();
  const sections = readSections(issues, defaults);
  const templates: Record<string, unknown>[] = [];
  const sources: TemplateSources[] = [];
  const chains = new Map<string, Level[] | undefined>();
  list.forEach((raw: unknown, index) => {
    if (!isRecord(raw)) {
      templates.push(raw as Record<string, unknown>);
      sources.push({});
      return;
    }
    const id = typeof raw.templateId === 'string' ? raw.templateId : `templates[${index}]`;
    const name = typeof raw.providerName === 'string' ? raw.providerName : provider.name;
    // A provider named "" and one without a name are different providers: their chains differ.
    const key = JSON.stringify([name ?? null, provider.type ?? null]);
    if (!chains.has(key)) chains.set(key, levelChain(issues, sections, name, provider.type, id));
    const chain = chains.get(key) ?? [];
    const merged = mergeLevels([{ source: 'template', values: raw }, ...chain]);
    templates.push(merged.values);
    sources.push(merged.sources);
  });
  issues.throwIfAny('templates file');
  return { templates, sources };
}

type Sections = { global: Record<string, unknown> | undefined; providerTypes: Record<string, unknown>; providers: Record<string, unknown> };

function readSections(issues: Issues, defaults: unknown): Sections {
  const empty: Sections = { global: undefined, providerTypes: {}, providers: {} };
  if (defaults === undefined || defaults === null) return empty;
  if (!isRecord(defaults)) {
    issues.add('defaults', 'defaultsInvalid', `defaults must be { "global": {...}, "providerTypes": {...}, "providers": {...} }, got ${describeValue(defaults)}`);
    return empty;
  }
  for (const key of Object.keys(defaults)) {
    if (!(LEVEL_SECTIONS as readonly string[]).includes(key)) issues.add(joinPath('defaults', key), 'defaultsInvalid', `defaults may hold only ${LEVEL_SECTIONS.join(', ')}; remove "${key.slice(0, 60)}"`);
  }
  const objectAt = (path: string, value: unknown): Record<string, unknown> | undefined => {
    if (value === undefined || value === null) return undefined;
    if (isRecord(value)) return value;
    issues.add(path, 'defaultsInvalid', `${path} must be an object of template keys, got ${describeValue(value)}`);
    return undefined;
  };
  const named = (section: 'providerTypes' | 'providers') => {
    const value = objectAt(joinPath('defaults', section), defaults[section]) ?? {};
    for (const [name, level] of Object.entries(value)) {
      const path = joinPath(joinPath('defaults', section), name);
      if (objectAt(path, level) !== undefined) checkLevelKeys(issues, path, level as Record<string, unknown>);
    }
    return value;
  };
  const global = objectAt('defaults.global', defaults.global);
  if (global !== undefined) checkLevelKeys(issues, 'defaults.global', global);
  return { global, providerTypes: named('providerTypes'), providers: named('providers') };
}

function checkLevelKeys(issues: Issues, path: string, level: Record<string, unknown>): void {
  for (const key of Object.keys(level)) {
    if (NOT_DEFAULTABLE.has(key)) issues.add(joinPath(path, key), 'defaultsInvalid', `${key} cannot be a default: each template sets its own`);
  }
}

/** `map[key]` when it is the map's own entry (never `toString` or `__proto__` from its prototype). */
const own = (map: Record<string, unknown>, key: string): unknown => (Object.hasOwn(map, key) ? map[key] : undefined);

/** The default levels below the template, highest precedence first; undefined after an issue. */
function levelChain(issues: Issues, sections: Sections, name: string | undefined, type: string | undefined, templateId: string): Level[] | undefined {
  const chain: Level[] = [];
  let typeName = type;
  let typeFrom = 'the provider type';
  const providerLevel = name === undefined ? undefined : own(sections.providers, name);
  if (isRecord(providerLevel)) {
    const { providerType, ...values } = providerLevel;
    chain.push({ source: `provider:${name}`, values });
    if (providerType !== undefined) {
      if (typeof providerType !== 'string' || !isRecord(own(sections.providerTypes, providerType))) {
        issues.add(`defaults.providers.${name}.providerType`, 'defaultsLevelMissing', `template "${templateId}": defaults.providers.${name} names a provider type that defaults.providerTypes does not declare: declare it or correct the name`);
        return undefined;
      }
      typeName = providerType;
      typeFrom = `defaults.providers.${name}.providerType`;
    }
  }
  const visited: string[] = [];
  while (typeName !== undefined) {
    const level = own(sections.providerTypes, typeName);
    if (level === undefined) {
      // The running provider's own type may have no defaults; a level named by another must exist.
      if (visited.length === 0 && typeFrom === 'the provider type') break;
      issues.add(`${typeFrom}`, 'defaultsLevelMissing', `template "${templateId}": ${typeFrom} names the provider type "${typeName}", which defaults.providerTypes does not declare: declare it or correct the name`);
      return undefined;
    }
    if (visited.includes(typeName)) {
      issues.add(typeFrom, 'defaultsCircular', `template "${templateId}": the provider types extend each other in a circle (${[...visited, typeName].join(' -> ')}): remove one "extends"`);
      return undefined;
    }
    visited.push(typeName);
    // A level written null is an empty level that extends nothing (readSections refused any other non-object).
    if (!isRecord(level)) break;
    const { extends: parent, ...values } = level;
    chain.push({ source: `providerType:${typeName}`, values });
    if (parent !== undefined && typeof parent !== 'string') {
      issues.add(`defaults.providerTypes.${typeName}.extends`, 'defaultsInvalid', `extends must name a provider type, got ${describeValue(parent)}`);
      return undefined;
    }
    typeFrom = `defaults.providerTypes.${typeName}.extends`;
    typeName = parent;
  }
  if (sections.global !== undefined) chain.push({ source: 'global', values: sections.global });
  return chain;
}

/** Merges levels (highest precedence first) into one template and the source of each value. */
function mergeLevels(levels: readonly Level[]): { values: Record<string, unknown>; sources: TemplateSources } {
  const values: Record<string, unknown> = {};
  const sources: TemplateSources = {};
  for (const { source, values: level } of levels) {
    for (const [key, value] of Object.entries(level)) {
      if (value === undefined || value === null || key === '__proto__') continue;
      if (MERGED_KEYS.has(key)) {
        const map = asMap(key, value);
        if (map === undefined) {
          if (!Object.hasOwn(values, key)) [values[key], sources[key]] = [value, source];
          continue;
        }
        const into = asMap(key, values[key]) ?? {};
        if (Object.hasOwn(values, key) && asMap(key, values[key]) === undefined) continue;
        for (const [sub, subValue] of Object.entries(map)) {
          if (Object.hasOwn(into, sub) || sub === '__proto__') continue;
          into[sub] = subValue;
          sources[`${key}.${sub}`] = source;
        }
        values[key] = into;
      } else if (!Object.hasOwn(values, key) && !fromHigherLevel(values, sources, SAME_SETTING[key], source)) {
        values[key] = value;
        sources[key] = source;
      }
    }
  }
  return { values, sources };
}

/**
 * Whether the other spelling of one setting (`subnetId` for `subnetIds`) came from a higher level than `source`:
 * then this spelling is hidden by it. Both given by one level are both kept, for the template rules to refuse.
 */
function fromHigherLevel(values: Record<string, unknown>, sources: TemplateSources, other: string | undefined, source: string): boolean {
  return other !== undefined && Object.hasOwn(values, other) && sources[other] !== source;
}

/** A mergeable key's value as a fresh map (`instanceTags` may be written `"k=v;k=v"`), or undefined when it is not one. */
function asMap(key: string, value: unknown): Record<string, unknown> | undefined {
  if (key === 'instanceTags' && typeof value === 'string') {
    try {
      return { ...parseTags(value, 'instanceTags') };
    } catch (error) {
      if (error instanceof ValidationError) return undefined;
      throw error;
    }
  }
  return isRecord(value) ? { ...value } : undefined;
}
