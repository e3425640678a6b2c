import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ValidationError, type ExecuteOptions, type ValidationIssue } from 'hostfactory-kernel';

declare module 'fastify' {
  interface FastifyRequest {
    /** The dispatch's correlation id: the caller's valid `X-Correlation-Id`, else a generated UUID. */
    correlationId: string;
  }
}

/** Header that carries the correlation id in and out. */
export const CORRELATION_HEADER = 'x-correlation-id';
/** Header whose value becomes `RequestMachines.idempotencyKey`. */
export const IDEMPOTENCY_HEADER = 'idempotency-key';

/** 1–128 characters that are safe in headers, logs and file names. */
const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * An `onRequest` hook: sets `request.correlationId` (the caller's when valid, else a new UUID) and
 * echoes it in the response. An invalid header still gets a fresh id, then fails with `VALIDATION_FAILED`.
 */
export function assignCorrelationId(request: FastifyRequest, reply: { header(name: string, value: string): unknown }): void {
  const given = request.headers[CORRELATION_HEADER];
  const valid = typeof given === 'string' && CORRELATION_ID.test(given);
  request.correlationId = valid ? given : randomUUID();
  reply.header(CORRELATION_HEADER, request.correlationId);
  if (given !== undefined && !valid) {
    throw invalid('X-Correlation-Id', 'matches', 'X-Correlation-Id must be 1-128 characters of A-Z a-z 0-9 . _ : - (or leave it out and one is generated)');
  }
}

/**
 * Dispatch options carrying the request's correlation id and its authenticated caller
 * (`metadata.principal`: subject, tenant, scopes) into the command or query; the library stores both
 * with every event the command records.
 */
export function dispatch(request: FastifyRequest): ExecuteOptions {
  const principal = request.principal;
  return principal === undefined
    ? { correlationId: request.correlationId }
    : { correlationId: request.correlationId, metadata: { principal: { subject: principal.subject, tenant: principal.tenant, scopes: [...principal.scopes] } } };
}

/** How a query-string parameter is converted before `from()` validates it. */
export type QueryKind = 'string' | 'boolean' | 'integer';

/**
 * Converts the query string explicitly: `boolean` accepts exactly `true`/`false`, `integer` only
 * optionally signed digits; anything else (or a repeated key) is `VALIDATION_FAILED`. Keys not in
 * `kinds` pass through as strings, so `from()` rejects them as unknown fields.
 */
export function queryInput(query: unknown, kinds: Readonly<Record<string, QueryKind>>): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  const issues: ValidationIssue[] = [];
  for (const [key, raw] of Object.entries((query ?? {}) as Record<string, unknown>)) {
    if (typeof raw !== 'string') {
      issues.push({ path: key, constraint: 'single', message: `${key} must be given once in the query string` });
      continue;
    }
    const kind = kinds[key] ?? 'string';
    if (kind === 'string') input[key] = raw;
    else if (kind === 'boolean') {
      if (raw === 'true' || raw === 'false') input[key] = raw === 'true';
      else issues.push({ path: key, constraint: 'isBoolean', message: `${key} must be true or false, got "${clip(raw)}"` });
    } else if (/^-?\d{1,15}$/.test(raw)) input[key] = Number(raw);
    else issues.push({ path: key, constraint: 'isInt', message: `${key} must be an integer, got "${clip(raw)}"` });
  }
  if (issues.length > 0) throw new ValidationError('query string', issues);
  return input;
}

/**
 * The body with values taken from the URL or a header (`source`) added. A body that states one of
 * them differently is `VALIDATION_FAILED`; a missing body counts as `{}`; a body that is not an
 * object is returned as it is, for `from()` to reject. `undefined` values are left out.
 */
export function bodyWith(body: unknown, values: Readonly<Record<string, unknown>>, source: string): unknown {
  const base = body === undefined ? {} : body;
  if (typeof base !== 'object' || base === null || Array.isArray(base)) return base;
  const merged: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  const issues: ValidationIssue[] = [];
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    if (key in merged && merged[key] !== value) {
      issues.push({ path: key, constraint: 'matches', message: `${key} differs from the value in ${source}; give it in one place only` });
    }
    merged[key] = value;
  }
  if (issues.length > 0) throw new ValidationError('request body', issues);
  return merged;
}

/** A single-valued header as a string (undefined when absent). */
export function headerOf(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** The ETag of a template version: its version number, quoted. */
export function etagOf(version: number): string {
  return `"${version}"`;
}

/**
 * The template version an `If-Match` header demands: `"3"` (or bare `3`) → 3; absent or `*` →
 * undefined. Weak or malformed tags are `VALIDATION_FAILED`.
 */
export function versionFromIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  const match = /^\s*"?(\d{1,9})"?\s*$/.exec(header);
  if (match?.[1] === undefined) {
    throw invalid('If-Match', 'isETag', 'If-Match must be one strong ETag as returned in the ETag header, e.g. "3"');
  }
  return Number(match[1]);
}

function invalid(path: string, constraint: string, message: string): ValidationError {
  return new ValidationError('request headers', [{ path, constraint, message }]);
}

function clip(value: string): string {
  return value.length > 40 ? `${value.slice(0, 40)}…` : value;
}
