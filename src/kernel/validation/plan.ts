import { getMetadataStorage, ValidationTypes, type ValidationArguments } from 'class-validator';
import { BUILT_IN_RULES, specialise } from './rules';

/*
 * A validation plan: what class-validator would do for one class, worked out once from its public
 * metadata (`getTargetValidationMetadatas` with the options validateSync passes, then
 * `groupByPropertyName`), so that a validation only runs the checks. Classes with a rule the plan
 * cannot reproduce exactly are marked for fallback and validated by class-validator itself.
 */

/** The subset of class-validator's `ValidationMetadata` a plan reads (public fields). */
export interface RuleMetadata {
  type: string;
  name?: string;
  target: Function | string;
  propertyName: string;
  constraints?: unknown[];
  constraintCls?: Function;
  message?: string | ((args: ValidationArguments) => string);
  each?: boolean;
  validateIf?: (object: object, value: unknown) => boolean;
}

interface Constraint {
  name: string;
  async: boolean;
  instance: { validate(value: unknown, args: ValidationArguments): unknown; defaultMessage?: (args: ValidationArguments) => string };
}

/** One built-in rule of a property, its constraint instance resolved once. */
export interface CompiledRule {
  metadata: RuleMetadata;
  /** The key class-validator files a failure under (`isString`, `min`, …). */
  type: string;
  constraint: Constraint['instance'];
  /** The arguments object handed to the constraint, refilled on each call. */
  args: ValidationArguments;
  /** The same answer as the constraint, tested directly (hot built-ins, single values only). */
  test?: (value: unknown) => boolean;
}

/** What to check on one decorated property, in class-validator's order. */
export interface PropertyPlan {
  name: string;
  /** `@IsOptional`, `@ValidateIf`: every one is evaluated; any falsy answer skips the property. */
  conditions: readonly ((object: object, value: unknown) => unknown)[];
  /** `@IsDefined` rules first, then the other rules, as class-validator runs them. */
  rules: readonly CompiledRule[];
  /** `@ValidateNested` metadata (each one walks the value, as in class-validator). */
  nested: readonly RuleMetadata[];
  /**
   * The direct tests of its rules, when they are all it checks (no condition, no `validateIf`, no
   * nested validation): a value they all pass has nothing to report, found without the general path.
   */
  tests: readonly ((value: unknown) => boolean)[] | undefined;
}

/** A class validated by its plan, or by class-validator for the `reason` given. */
export type ClassPlan =
  | { kind: 'compiled'; allowed: Readonly<Record<string, unknown>>; properties: readonly PropertyPlan[] }
  | { kind: 'fallback'; reason: string };

const plans = new WeakMap<Function, ClassPlan>();
/** The class validated last and its plan. */
let last: { type: Function | undefined; plan: ClassPlan } = { type: undefined, plan: { kind: 'fallback', reason: 'no class yet' } };

/**
 * The plan of `type`, built at its first validation. Decorators applied to a class after that are
 * not seen (class-validator offers no public change notice); classes declare their rules where
 * they are defined.
 */
export function planOf(type: Function): ClassPlan {
  // Most calls validate the same class as the one before: skip the WeakMap for it.
  if (type === last.type) return last.plan;
  let plan = plans.get(type);
  if (plan === undefined) plans.set(type, (plan = buildPlan(type)));
  last = { type, plan };
  return plan;
}

/**
 * The plan to validate `type` with now: class-validator itself (a fallback plan) at the class's
 * first validation, its compiled plan from the second on. A class validated once only (a one-shot
 * script, such as a Symphony call) does not repay building a plan; the verdict is the same either way.
 */
export function planToValidate(type: Function): ClassPlan {
  if (type === last.type || plans.has(type) || seenOnce.has(type)) return planOf(type);
  seenOnce.add(type);
  return FIRST_VALIDATION;
}

/** True once `type` has a plan (for tests). Internal. */
export function hasPlan(type: Function): boolean {
  return plans.has(type);
}

/** Classes validated once, by class-validator; their next validation builds their plan. */
const seenOnce = new WeakSet<Function>();
const FIRST_VALIDATION: ClassPlan = { kind: 'fallback', reason: 'first validation of the class' };

function buildPlan(type: Function): ClassPlan {
  const storage = getMetadataStorage();
  // The very call validateSync makes with the kernel's options: no groups, always false, strictGroups false.
  const metadatas = storage.getTargetValidationMetadatas(type, '', false, false, undefined) as unknown as RuleMetadata[];
  // The same object class-validator builds: its key order and its lookups decide the whitelist.
  const grouped = storage.groupByPropertyName(metadatas as never) as unknown as Record<string, RuleMetadata[]>;
  const properties: PropertyPlan[] = [];
  for (const name of Object.keys(grouped)) {
    const group = grouped[name] ?? [];
    const conditions: PropertyPlan['conditions'][number][] = [];
    const defined: CompiledRule[] = [];
    const rules: CompiledRule[] = [];
    const nested: RuleMetadata[] = [];
    for (const metadata of group) {
      switch (metadata.type) {
        case ValidationTypes.WHITELIST:
          break;
        case ValidationTypes.CONDITIONAL_VALIDATION:
          conditions.push(metadata.constraints?.[0] as PropertyPlan['conditions'][number]);
          break;
        case ValidationTypes.NESTED_VALIDATION:
          nested.push(metadata);
          break;
        case ValidationTypes.IS_DEFINED:
        case ValidationTypes.CUSTOM_VALIDATION: {
          const rule = compileRule(storage, metadata);
          if (typeof rule === 'string') return fallback(type, name, rule);
          (metadata.type === ValidationTypes.IS_DEFINED ? defined : rules).push(rule);
          break;
        }
        case ValidationTypes.PROMISE_VALIDATION:
          return fallback(type, name, '@ValidatePromise awaits the value');
        default:
          // class-validator ignores other types on a property too.
          break;
      }
    }
    if (conditions.length > 0 || defined.length > 0 || rules.length > 0 || nested.length > 0) {
      const all = [...defined, ...rules];
      const direct = conditions.length === 0 && nested.length === 0 && all.every((r) => r.test !== undefined && !r.metadata.validateIf);
      properties.push({ name, conditions, rules: all, nested, tests: direct ? all.map((r) => r.test as (value: unknown) => boolean) : undefined });
    }
  }
  return { kind: 'compiled', allowed: grouped, properties };
}

/** A compiled rule, or why it cannot be compiled. */
function compileRule(storage: ReturnType<typeof getMetadataStorage>, metadata: RuleMetadata): CompiledRule | string {
  const found = metadata.constraintCls === undefined ? [] : (storage.getTargetValidatorConstraints(metadata.constraintCls) as unknown as Constraint[]);
  const constraint = found.length === 1 ? found[0] : undefined;
  const label = constraint?.name ?? metadata.name ?? metadata.constraintCls?.name ?? 'unnamed';
  if (constraint === undefined) return `rule "${label}" has ${found.length} constraint implementations`;
  if (constraint.async) return `rule "${label}" is asynchronous`;
  // A rule registered by class-validator's own decorators carries the built-in name on both sides.
  if (!BUILT_IN_RULES.has(constraint.name) || metadata.name !== constraint.name) return `rule "${label}" is a custom constraint`;
  const args: ValidationArguments = { targetName: '', property: metadata.propertyName, object: undefined as never, value: undefined, constraints: metadata.constraints as never };
  const validate = (value: unknown): boolean => Boolean(constraint.instance.validate(value, { ...args, value }));
  const test = metadata.each ? undefined : specialise(constraint.name, metadata.constraints, validate);
  return { metadata, type: constraint.name, constraint: constraint.instance, args, test };
}

function fallback(type: Function, property: string, why: string): ClassPlan {
  return { kind: 'fallback', reason: `${type.name || 'an anonymous class'}.${property}: ${why}` };
}
