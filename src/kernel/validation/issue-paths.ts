import { ValidationError, type ValidationIssue } from '../errors';

/*
 * Where in an input a problem sits, written one way everywhere: `a.b`, `a[2]`, `b` at the top.
 * Shared by the kernel's validation, the domain parsers and the Symphony document parsers.
 */

/** True for a non-null object that is not an array (any prototype). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True for `{}` literals and `Object.create(null)` objects (not arrays, dates, class instances). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** `a.b` for a key, `a[2]` for an index, or `b` when the prefix is empty. */
export function joinPath(prefix: string, key: string | number): string {
  if (typeof key === 'number') return `${prefix}[${key}]`;
  return prefix === '' ? key : `${prefix}.${key}`;
}

/** `path` (an issue path relative to some value) seen from `prefix`: `prefix.a`, `prefix[0].a`. */
export function pathUnder(prefix: string, path: string): string {
  if (path === '' || prefix === '') return path === '' ? prefix : path;
  return path.startsWith('[') ? `${prefix}${path}` : `${prefix}.${path}`;
}

/** Runs `work`; a ValidationError it throws is thrown again for `subject` with every path under `prefix`. */
export function underPath<T>(prefix: string, subject: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const issues: ValidationIssue[] = error.issues.map((issue) => ({ ...issue, path: pathUnder(prefix, issue.path) }));
    throw new ValidationError(subject, issues, { cause: error });
  }
}

/**
 * Runs `work`; a ValidationError it throws is thrown again for `subject` with every path under
 * `from` moved under `to` (`document.items[0].a` → `items[0].a`); a message that starts with its
 * path names the new one. Paths elsewhere are kept.
 */
export function movedPaths<T>(from: string, to: string, subject: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const issues: ValidationIssue[] = error.issues.map((issue) => {
      const rest = relativePath(from, issue.path);
      if (rest === undefined) return issue;
      const path = pathUnder(to, rest);
      const named = path !== '' && issue.message.startsWith(`${issue.path} `);
      return { ...issue, path, message: named ? `${path}${issue.message.slice(issue.path.length)}` : issue.message };
    });
    throw new ValidationError(subject, issues, { cause: error });
  }
}

/** `path` relative to `prefix` (`''` for `prefix` itself), or undefined when it is not under it. */
function relativePath(prefix: string, path: string): string | undefined {
  if (path === prefix) return '';
  if (path.startsWith(`${prefix}.`)) return path.slice(prefix.length + 1);
  if (path.startsWith(`${prefix}[`)) return path.slice(prefix.length);
  return undefined;
}
