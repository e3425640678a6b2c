import { ValidationError, type ValidationIssue } from '../../kernel/errors';

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

export { isRecord, joinPath } from '../../kernel/issue-paths';

/** Shows a value inside an error message without flooding it. */
export function show(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? describeShallow(value);
  } catch {
    // Cycles, hostile nesting, BigInt: never recurse again, name the kind of value instead.
    text = describeShallow(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function describeShallow(value: unknown): string {
  if (typeof value === 'object' && value !== null) {
    return Array.isArray(value) ? `an array of ${value.length}` : Object.prototype.toString.call(value);
  }
  return typeof value === 'symbol' ? value.toString() : String(value);
}
