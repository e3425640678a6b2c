import { validateSync, ValidationTypes, type ValidationArguments, type ValidatorOptions } from 'class-validator';
import { planToValidate, type CompiledRule, type RuleMetadata } from './plan';

/*
 * Runs validation plans (plan.ts) the way class-validator's ValidationExecutor runs its
 * metadata under the kernel's options (whitelist + forbidNonWhitelisted, nothing skipped, no
 * groups, synchronous): same failures, same tree, same messages. Unlike class-validator it makes
 * no error objects for a valid value: a node is made only when something fails.
 */

/** A failure node shaped like class-validator's `ValidationError` (the fields the kernel reads). */
export interface ErrorNode {
  property: string;
  constraints?: Record<string, string | undefined>;
  children?: ErrorNode[];
}

/**
 * Validates `object` by its class's plan, or by class-validator for a fallback class. `options` are
 * the kernel's `VALIDATOR_OPTIONS`: the plans reproduce what class-validator does with exactly those.
 */
export function validateCompiled(object: object, options: ValidatorOptions): readonly ErrorNode[] | undefined {
  const type = (object as { constructor?: unknown }).constructor;
  // class-validator fails in its own way on an object whose constructor is not a class: let it.
  const plan = typeof type === 'function' ? planToValidate(type) : undefined;
  if (plan === undefined || plan.kind === 'fallback') {
    const errors = validateSync(object, options) as unknown as ErrorNode[];
    return errors.length === 0 ? undefined : errors;
  }
  let errors: ErrorNode[] | undefined;
  const allowed = plan.allowed as Record<string, { length?: number } | undefined>;
  for (const key of Object.keys(object)) {
    const group = allowed[key];
    // Looked up on a plain object, exactly as class-validator does (`toString` is refused, `hasOwnProperty` passes).
    if (!group || group.length === 0) {
      (errors ??= []).push({ property: key, constraints: { [ValidationTypes.WHITELIST]: `property ${key} should not exist` } });
    }
  }
  for (const property of plan.properties) {
    const value: unknown = (object as Record<string, unknown>)[property.name];
    // The valid path of a property checked by direct tests only: nothing to report, nothing made.
    if (property.tests !== undefined && passesAll(property.tests, value)) continue;
    let skip = false;
    for (const condition of property.conditions) if (!condition(object, value)) skip = true;
    if (skip) continue;
    let node: PendingNode | undefined;
    for (const rule of property.rules) {
      // A failure whose message comes out undefined (a message function answering nothing) still fails.
      if (!passes(object, value, rule)) (node ??= new PendingNode(property.name)).fail(rule.type, failure(object, value, rule));
    }
    if (property.nested.length > 0) validateNested(value, property.nested, (node ??= new PendingNode(property.name)), options);
    if (node?.failed()) (errors ??= []).push(node.done());
  }
  return errors;
}

function passesAll(tests: readonly ((value: unknown) => boolean)[], value: unknown): boolean {
  for (let i = 0; i < tests.length; i++) if (!(tests[i] as (value: unknown) => boolean)(value)) return false;
  return true;
}

/** An error node made on the first failure of its property. */
class PendingNode {
  constraints: Record<string, string | undefined> | undefined;
  children: ErrorNode[] | undefined;
  constructor(readonly property: string) {}
  fail(type: string, message: string | undefined): void {
    (this.constraints ??= {})[type] = message;
  }
  adopt(nodes: readonly ErrorNode[] | undefined): void {
    // One by one: a spread of a very wide object's errors would overflow the argument limit.
    if (nodes !== undefined) for (const node of nodes) (this.children ??= []).push(node);
  }
  failed(): boolean {
    return this.constraints !== undefined || this.children !== undefined;
  }
  done(): ErrorNode {
    const node: ErrorNode = { property: this.property, children: this.children ?? [] };
    if (this.constraints !== undefined) node.constraints = this.constraints;
    return node;
  }
}

function argumentsOf(object: object, value: unknown, metadata: RuleMetadata): ValidationArguments {
  const type = (object as { constructor?: { name?: string } }).constructor;
  return { targetName: type ? (type.name as string) : (undefined as never), property: metadata.propertyName, object, value, constraints: metadata.constraints as never };
}

function isCollection(value: unknown): value is unknown[] | Set<unknown> | Map<unknown, unknown> {
  return Array.isArray(value) || value instanceof Set || value instanceof Map;
}

function isThenable(value: unknown): boolean {
  return value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function';
}

/** Runs one rule; true when `value` passes it (or its `validateIf` skips it). */
function passes(object: object, value: unknown, rule: CompiledRule): boolean {
  const { metadata, constraint } = rule;
  if (metadata.validateIf && !metadata.validateIf(object, value)) return true;
  if (rule.test !== undefined) return rule.test(value);
  // Built-in constraints read only `constraints` from their arguments and keep nothing: one object per rule serves every call.
  const args = rule.args;
  args.object = object;
  args.value = value;
  let valid: boolean;
  if (!metadata.each || !isCollection(value)) {
    const answer = constraint.validate(value, args);
    // validateSync never waits for a promise: its answer is lost, so the rule cannot fail.
    valid = isThenable(answer) || Boolean(answer);
  } else {
    const items = value instanceof Map ? Array.from(value.values()) : Array.isArray(value) ? value : Array.from(value);
    const answers = items.map((item) => constraint.validate(item, args));
    valid = answers.some(isThenable) || answers.every(Boolean);
  }
  args.object = undefined as never;
  args.value = undefined;
  return valid;
}

/** The message of a failed rule, made as class-validator makes it (undefined when its message function answers nothing). */
function failure(object: object, value: unknown, { metadata, constraint }: CompiledRule): string | undefined {
  const args = argumentsOf(object, value, metadata);
  const message = metadata.message || (constraint.defaultMessage instanceof Function ? constraint.defaultMessage(args) : '');
  return fillMessage(message, args);
}

function validateNested(value: unknown, nested: readonly RuleMetadata[], node: PendingNode, options: ValidatorOptions): void {
  if (value === undefined) return;
  for (const metadata of nested) {
    if (isCollection(value)) {
      const visit = (item: unknown, key: unknown): void => {
        const child = new PendingNode((key as { toString(): string }).toString());
        validateNested(item, nested, child, options);
        if (child.failed()) node.adopt([child.done()]);
      };
      if (value instanceof Set) Array.from(value).forEach(visit);
      else (value as unknown[]).forEach(visit as (item: unknown, index: number) => void);
    } else if (value instanceof Object) {
      node.adopt(validateCompiled(value, options));
    } else {
      const target = metadata.target as { constructor?: { name?: string } };
      const args: ValidationArguments = {
        targetName: target.constructor ? (target.constructor.name as string) : (undefined as never),
        property: metadata.propertyName,
        object: metadata.target as never,
        value,
        constraints: metadata.constraints as never,
      };
      node.fail(ValidationTypes.NESTED_VALIDATION, fillMessage(metadata.message || '', args));
    }
  }
}

/** class-validator's message tokens: `$constraintN`, `$value` (primitives only), `$property`, `$target`. */
function fillMessage(message: string | ((args: ValidationArguments) => string), args: ValidationArguments): string | undefined {
  let text: string | undefined = message instanceof Function ? message(args) : typeof message === 'string' ? message : undefined;
  if (text && Array.isArray(args.constraints)) {
    args.constraints.forEach((constraint: unknown, index: number) => {
      text = (text as string).replace(new RegExp(`\\$constraint${index + 1}`, 'g'), constraintText(constraint));
    });
  }
  const value = args.value as unknown;
  if (text && value !== undefined && value !== null && ['string', 'boolean', 'number'].includes(typeof value)) {
    text = text.replace(/\$value/g, value as string);
  }
  if (text) text = text.replace(/\$property/g, args.property);
  if (text) text = text.replace(/\$target/g, args.targetName);
  return text;
}

function constraintText(constraint: unknown): string {
  if (Array.isArray(constraint)) return constraint.join(', ');
  if (typeof constraint === 'symbol') return `${constraint.description}`;
  return `${constraint as string}`;
}
