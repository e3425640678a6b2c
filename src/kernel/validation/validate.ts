import type { ValidatorOptions } from 'class-validator';
import { validateCompiled, type ErrorNode } from './compiled';
import { ValidationError, type ValidationIssue } from '../errors';
import { joinPath } from './issue-paths';

/**
 * The options every validation runs with (class-validator 0.15 needs them explicit): properties
 * without decorators are rejected, nothing is skipped, and error objects carry no target or value
 * so that they are safe to log and serialise.
 */
export const VALIDATOR_OPTIONS: Readonly<ValidatorOptions> = Object.freeze({
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: false,
  skipMissingProperties: false,
  skipNullProperties: false,
  skipUndefinedProperties: false,
  stopAtFirstError: false,
  validationError: { target: false, value: false },
});

/** Deepest nesting accepted from untrusted input; deeper input is a validation error, not a stack overflow. */
export const MAX_INPUT_DEPTH = 64;

/**
 * Most keys accepted in one object of untrusted input. class-transformer's work on an object grows
 * with the square of its width (150,000 keys took about a minute); 1,000 keys cost about twice the
 * per-key time of a small object. Wider objects are a validation error before class-transformer runs.
 */
export const MAX_INPUT_KEYS = 1000;

/** Keys that could reach an object's prototype when copied; rejected anywhere in untrusted input. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const NO_ISSUES: readonly ValidationIssue[] = Object.freeze([]);

/**
 * Validates `instance` against its class-validator rules and returns its issues, flattened to full
 * paths. The rules run from a plan compiled once per class (compiled.ts); classes with a
 * rule the plan cannot reproduce are validated by class-validator itself, with the same result.
 */
export function collectIssues(instance: object): readonly ValidationIssue[] {
  const errors = validateCompiled(instance, VALIDATOR_OPTIONS as ValidatorOptions);
  return errors === undefined ? NO_ISSUES : toIssues(errors);
}

/** class-validator's error tree as the kernel's issues: one per failed rule, with its full path. */
export function toIssues(errors: readonly ErrorNode[]): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  flatten(errors, '', issues);
  return issues;
}

/** Validates `instance` and throws {@link ValidationError} listing every failing field. */
export function assertValid(instance: object, subject: string): void {
  const issues = collectIssues(instance);
  if (issues.length > 0) throw new ValidationError(subject, issues);
}

function flatten(errors: readonly ErrorNode[], prefix: string, out: ValidationIssue[]): void {
  for (const error of errors) {
    const path = propertyPath(prefix, error.property);
    if (error.constraints) {
      for (const [constraint, message] of Object.entries(error.constraints)) {
        const text = constraint === 'whitelistValidation' ? notAccepted(path, error.property) : describe(path, message ?? '');
        out.push({ path, constraint, message: text });
      }
    }
    if (error.children && error.children.length > 0) flatten(error.children, path, out);
  }
}

/** class-validator names array items by their index as a string: `items` + `0` is `items[0]`. */
function propertyPath(prefix: string, property: string | undefined): string {
  if (property === undefined || property === '') return prefix;
  return joinPath(prefix, /^\d+$/.test(property) ? Number(property) : property);
}

/** class-validator messages name only the last property; say the full path instead. */
function describe(path: string, message: string): string {
  if (path === '') return message;
  const lastDot = path.lastIndexOf('.');
  const leaf = lastDot === -1 ? path : path.slice(lastDot + 1);
  const bare = leaf.replace(/\[\d+\]$/, '');
  return message.startsWith(`${bare} `) ? `${path} ${message.slice(bare.length + 1)}` : message;
}

/**
 * Checks untrusted input before class-transformer sees it: a plain object at the top, no cycles,
 * no prototype-reaching keys, no deeper than {@link MAX_INPUT_DEPTH}, no object with more than
 * {@link MAX_INPUT_KEYS} keys. Returns the issues found.
 */
export function inspectPlain(input: unknown): ValidationIssue[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    const got = input === null ? 'null' : Array.isArray(input) ? 'an array' : `a ${typeof input}`;
    return [{ path: '', constraint: 'isObject', message: `expected a JSON object, got ${got}` }];
  }
  // A Date, Map, boxed primitive or typed array is not a JSON object; class-transformer would hand it back as is.
  const tag = Object.prototype.toString.call(input);
  if (tag !== '[object Object]') {
    return [{ path: '', constraint: 'isObject', message: `expected a JSON object, got ${tag.slice(8, -1)}` }];
  }
  const issues: ValidationIssue[] = [];
  // The top is a plain object (checked above) at depth 0 with no ancestors: straight to its entries.
  walkEntries(input, '', 0, [], issues);
  return issues;
}

function walk(value: object, path: string, depth: number, seen: object[], issues: ValidationIssue[]): void {
  if (issues.length >= 20) return;
  if (depth > MAX_INPUT_DEPTH) {
    issues.push({ path, constraint: 'maxDepth', message: `nesting is deeper than ${MAX_INPUT_DEPTH} levels` });
    return;
  }
  if (seen.includes(value)) {
    issues.push({ path, constraint: 'noCycles', message: 'the value refers to itself (a cycle); send plain JSON data' });
    return;
  }
  if (value instanceof Date) return;
  // A Map, Set, typed array or boxed primitive is not JSON data; class-transformer cannot copy it safely.
  const tag = Object.prototype.toString.call(value);
  if (tag !== '[object Object]' && tag !== '[object Array]') {
    issues.push({ path, constraint: 'isJson', message: `${path === '' ? 'the value' : path} is a ${tag.slice(8, -1)}; send plain JSON data` });
    return;
  }
  walkEntries(value, path, depth, seen, issues);
}

/** Walks the items of an array or the entries of an object already accepted by {@link walk}. */
function walkEntries(value: object, path: string, depth: number, seen: object[], issues: ValidationIssue[]): void {
  if (Array.isArray(value)) {
    seen.push(value);
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item === 'object' && item !== null) walk(item, `${path}[${i}]`, depth + 1, seen, issues);
    }
    seen.pop();
    return;
  }
  const keys = Object.keys(value);
  if (keys.length > MAX_INPUT_KEYS) {
    // Refused whole: its entries are not walked (that would cost for nothing).
    const label = path === '' ? 'the input' : path;
    issues.push({ path, constraint: 'maxKeys', message: `${label} has ${keys.length} keys; at most ${MAX_INPUT_KEYS} are accepted in one object` });
    return;
  }
  seen.push(value);
  for (const key of keys) {
    if (FORBIDDEN_KEYS.has(key)) {
      issues.push({ path: joinPath(path, key), constraint: 'forbiddenKey', message: `the key "${key}" is not allowed in input` });
      continue;
    }
    const item: unknown = (value as Record<string, unknown>)[key];
    if (typeof item === 'object' && item !== null) walk(item, joinPath(path, key), depth + 1, seen, issues);
  }
  seen.pop();
}

/** Freezes `value` and everything reachable from it through own properties. */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    if (typeof item === 'object' && item !== null) deepFreeze(item);
  }
  return value;
}

/** An empty key names nothing in a path: its issue sits on the object that holds it, and says so. */
function notAccepted(path: string, property: string): string {
  if (property !== '') return `${path} is not an accepted field; remove it`;
  return `${path === '' ? 'the input' : path} has an empty key "", which is not an accepted field; remove it`;
}
