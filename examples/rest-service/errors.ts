import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isKernelError, ValidationError, type KernelError, type Logger, type ValidationIssue } from 'hostfactory-kernel';

/** Media type of every error body (RFC 9457). */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** An RFC 9457 problem document, with this service's extension members. */
export interface Problem {
  /** A URI reference naming the problem type; `about:blank` for the generic server error. */
  type: string;
  title: string;
  status: number;
  detail: string;
  /** The request path that failed (no query string). */
  instance: string;
  /** The library's (or this service's) stable error code. */
  code: string;
  correlationId: string;
  /** Every failing field, for `VALIDATION_FAILED`. */
  issues?: readonly ValidationIssue[];
  /** The offending values the library attached (e.g. `requestId` of a request the provider failed). */
  details?: Record<string, unknown>;
}

/** How a library error code answers over HTTP. */
export interface HttpMapping {
  readonly status: number;
  readonly title: string;
}

const BY_CODE: Readonly<Record<string, HttpMapping>> = {
  VALIDATION_FAILED: { status: 400, title: 'Invalid input' },
  CONCURRENCY_CONFLICT: { status: 409, title: 'Version conflict' },
  TEMPLATE_ALREADY_EXISTS: { status: 409, title: 'Template already exists' },
  TEMPLATE_IN_USE: { status: 409, title: 'Template in use' },
  // Not named by the issue: an inactive template is a state conflict like the others, not a server fault.
  TEMPLATE_INACTIVE: { status: 409, title: 'Template inactive' },
  INVALID_REQUEST_STATE_TRANSITION: { status: 409, title: 'Invalid request state transition' },
  INVALID_MACHINE_STATE_TRANSITION: { status: 409, title: 'Invalid machine state transition' },
  TEMPLATE_CAPACITY_EXCEEDED: { status: 422, title: 'Template capacity exceeded' },
  // Access control (access.ts, auth.ts, caller-limits.ts); a 401 never says what was wrong with the token.
  AUTHENTICATION_REQUIRED: { status: 401, title: 'Authentication required' },
  INVALID_TOKEN: { status: 401, title: 'Invalid token' },
  INSUFFICIENT_SCOPE: { status: 403, title: 'Insufficient scope' },
  MACHINE_LIMIT_EXCEEDED: { status: 422, title: 'Machine limit exceeded' },
  RATE_LIMITED: { status: 429, title: 'Too many machines requested' },
  AUTHENTICATION_UNAVAILABLE: { status: 503, title: 'Cannot check tokens' },
  PROVIDER_ERROR: { status: 502, title: 'Cloud provider error' },
  TIMEOUT: { status: 504, title: 'Timed out' },
};

/** Codes ending in `_NOT_FOUND` that are wiring faults of the service, not missing resources. */
const SERVER_FAULTS = new Set(['HANDLER_NOT_FOUND']);

/** Fastify's own client errors, renamed to codes a client can rely on. */
const FASTIFY_CODES: Readonly<Record<string, { code: string; title: string; detail?: string }>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'MALFORMED_JSON', title: 'Malformed JSON', detail: 'The request body is not valid JSON.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'MALFORMED_JSON', title: 'Malformed JSON', detail: 'The content type is application/json but the body is empty.' },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'PAYLOAD_TOO_LARGE', title: 'Request body too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE', title: 'Unsupported media type', detail: 'Send request bodies as application/json.' },
};

const INTERNAL: HttpMapping = { status: 500, title: 'Internal Server Error' };

/**
 * The HTTP status and title for a library error code: the mapping table, `*_NOT_FOUND` → 404, and
 * 500 for anything else (including `HANDLER_NOT_FOUND`, a wiring fault).
 */
export function statusForCode(code: string): HttpMapping {
  const mapped = BY_CODE[code];
  if (mapped !== undefined) return mapped;
  if (code.endsWith('_NOT_FOUND') && !SERVER_FAULTS.has(code)) return { status: 404, title: 'Not found' };
  return INTERNAL;
}

/** Options of {@link installErrorHandling}. */
export interface ErrorHandlingOptions {
  /** Prefix of problem `type` URIs; the code in kebab case is appended. */
  readonly problemTypeBase: string;
  /** Where 5xx errors are logged with their stack and correlation id. */
  readonly logger: Logger;
}

/**
 * Turns any error (the library's, Fastify's, or an unexpected one) into a problem document. The
 * only place this service decides an HTTP error status; internals never reach the body.
 */
export function toProblem(error: unknown, instance: string, correlationId: string, problemTypeBase: string): Problem {
  const typeOf = (code: string) => `${problemTypeBase}${code.toLowerCase().replaceAll('_', '-')}`;
  const base = { instance, correlationId };
  if (isKernelError(error)) {
    const { status, title } = statusForCode(error.code);
    if (status === 500) return internalProblem(base);
    const problem: Problem = { type: typeOf(error.code), title, status, detail: error.message, code: error.code, ...base };
    if (error instanceof ValidationError || error.code === 'VALIDATION_FAILED') problem.issues = issuesOf(error);
    else if (Object.keys(error.details).length > 0) problem.details = error.details;
    return problem;
  }
  const fastify = fastifyClientError(error);
  if (fastify !== undefined) {
    const known = FASTIFY_CODES[fastify.code];
    const code = known?.code ?? 'BAD_REQUEST';
    return {
      type: typeOf(code),
      title: known?.title ?? 'Bad request',
      status: fastify.statusCode,
      detail: known?.detail ?? fastify.message,
      code,
      ...base,
    };
  }
  return internalProblem(base);
}

/** Installs the error and not-found handlers that answer every failure with a problem document. */
export function installErrorHandling(app: FastifyInstance, options: ErrorHandlingOptions): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const problem = toProblem(error, pathOf(request), request.correlationId, options.problemTypeBase);
    if (problem.status >= 500) {
      options.logger.error('request failed', {
        correlationId: request.correlationId,
        method: request.method,
        url: pathOf(request),
        status: problem.status,
        code: isKernelError(error) ? error.code : problem.code,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
    }
    // WWW-Authenticate on 401/403, Retry-After on 429 and 503 (auth.ts, access.ts, caller-limits.ts).
    const headers = isKernelError(error) ? (error as { httpHeaders?: unknown }).httpHeaders : undefined;
    if (problem.status !== 500 && typeof headers === 'object' && headers !== null) reply.headers(headers as Record<string, string>);
    return sendProblem(reply, problem);
  });
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) =>
    sendProblem(reply, {
      type: `${options.problemTypeBase}route-not-found`,
      title: 'Not found',
      status: 404,
      detail: `No route ${request.method} ${pathOf(request)}. See /api/v1/openapi.json for the routes this service has.`,
      instance: pathOf(request),
      code: 'ROUTE_NOT_FOUND',
      correlationId: request.correlationId,
    }),
  );
}

/** The request path without its query string (a query may carry values that do not belong in logs). */
export function pathOf(request: FastifyRequest): string {
  const query = request.url.indexOf('?');
  return query === -1 ? request.url : request.url.slice(0, query);
}

function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
}

function internalProblem(base: { instance: string; correlationId: string }): Problem {
  return {
    type: 'about:blank',
    title: INTERNAL.title,
    status: 500,
    detail: 'The service failed unexpectedly. Quote the correlation id when you report it.',
    code: 'INTERNAL_ERROR',
    ...base,
  };
}

function issuesOf(error: KernelError): readonly ValidationIssue[] {
  if (error instanceof ValidationError) return error.issues;
  const issues = error.details.issues;
  return Array.isArray(issues) ? (issues as ValidationIssue[]) : [];
}

/** A 4xx error raised by Fastify itself (body parsing, content type); its message names no internals. */
function fastifyClientError(error: unknown): (FastifyError & { statusCode: number }) | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code, statusCode } = error as Partial<FastifyError>;
  if (typeof code !== 'string' || !code.startsWith('FST_')) return undefined;
  if (typeof statusCode !== 'number' || statusCode < 400 || statusCode >= 500) return undefined;
  return error as FastifyError & { statusCode: number };
}
