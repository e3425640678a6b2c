import { ValidationError, type ValidationIssue } from '../errors';

/** Collects every problem of one input so they are reported together in one ValidationError. */
export class Issues {
  readonly #list: ValidationIssue[] = [];

  add(path: string, constraint: string, message: string): void {
    this.#list.push({ path, constraint, message });
  }

  addAll(issues: readonly ValidationIssue[]): void {
    this.#list.push(...issues);
  }

  get count(): number {
    return this.#list.length;
  }

  /** Throws a ValidationError for `subject` when at least one issue was collected. */
  throwIfAny(subject: string): void {
    if (this.#list.length > 0) throw new ValidationError(subject, [...this.#list]);
  }
}

/** Runs `parse` and turns a thrown ValidationError into collected issues; returns undefined then. */
export function collect<T>(issues: Issues, parse: () => T): T | undefined {
  try {
    return parse();
  } catch (error) {
    if (error instanceof ValidationError) {
      issues.addAll(error.issues);
      return undefined;
    }
    throw error;
  }
}

export { isRecord, joinPath } from './issue-paths';

/**
 * Names a value in an error message by its kind and size, never its content: input documents,
 * templates files and environment variables may hold secrets, and messages reach logs, stdout and
 * callers. `"s3cret"` → `a string of 6 characters`, `[1, 2]` → `an array of 2 items`, `{a: 1}` →
 * `an object with 1 key`, `12` → `an integer`. The path and the rule in the same message say what to fix.
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return value.length === 0 ? 'an empty string' : `a string of ${plural(value.length, 'character')}`;
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (!Number.isFinite(value)) return 'an infinite number';
    return Number.isInteger(value) ? 'an integer' : 'a fractional number';
  }
  if (typeof value === 'boolean') return 'a boolean';
  if (typeof value === 'bigint') return 'a bigint';
  if (Array.isArray(value)) return `an array of ${plural(value.length, 'item')}`;
  if (value instanceof Date) return 'a date';
  if (typeof value === 'object') return `an object with ${plural(Object.keys(value).length, 'key')}`;
  return `a ${typeof value}`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
