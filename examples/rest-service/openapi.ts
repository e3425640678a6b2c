import { MACHINE_STATUSES, REQUEST_STATUSES } from 'hostfactory-kernel/storage';
import { SCOPES, type RouteAccess } from './access';
import { OPENAPI_SCHEMAS, schemaRef as ref, type JsonSchema } from './openapi.schemas';
import type { OpenApiDocument, OpenApiOperation, OpenApiParameter, OpenApiRef, OpenApiResponse } from './openapi.types';

export type { JsonSchema } from './openapi.schemas';
export type { OpenApiDocument, OpenApiMethod, OpenApiOperation, OpenApiParameter, OpenApiRef, OpenApiResponse, OpenApiSecurityScheme } from './openapi.types';

const json = (schema: JsonSchema) => ({ 'application/json': { schema } });
const body = (name: string) => ({ required: true, content: json(ref(name)) });
const ok = (description: string, schema: JsonSchema): OpenApiResponse => ({ description, content: json(schema) });
const problems = (...statuses: number[]): Record<string, OpenApiRef> =>
  Object.fromEntries(statuses.map((status) => [String(status), { $ref: `#/components/responses/Problem${status}` }]));
const correlation: OpenApiRef = { $ref: '#/components/parameters/CorrelationId' };
const path = (name: string, description: string): OpenApiParameter => ({ name, in: 'path', required: true, description, schema: { type: 'string' } });
const query = (name: string, schema: JsonSchema, description: string): OpenApiParameter => ({ name, in: 'query', description, schema });
const paging = [
  query('limit', { type: 'integer', minimum: 1, maximum: 1000, default: 50 }, 'Page size.'),
  query('offset', { type: 'integer', minimum: 0, default: 0 }, 'Items to skip.'),
];

const PROBLEM_STATUSES: Record<number, string> = {
  400: 'Invalid input (VALIDATION_FAILED, MALFORMED_JSON): `issues` lists every failing field.',
  401: 'No bearer token (AUTHENTICATION_REQUIRED) or a refused one (INVALID_TOKEN: expired, not yet valid, wrong issuer or audience, not signed by a trusted key, malformed); WWW-Authenticate says Bearer. Nothing was done.',
  403: 'The token lacks the scope of the route (INSUFFICIENT_SCOPE, `details.requiredScope`). Nothing was done.',
  429: 'The caller asked for more machines in the last hour than it may (RATE_LIMITED); Retry-After gives the seconds to wait.',
  503: 'Tokens cannot be checked now: the JWKS URL is unreachable (AUTHENTICATION_UNAVAILABLE); retry after Retry-After. Nothing was done.',
  404: 'No such template, request, machine or route (*_NOT_FOUND).',
  409: 'Conflicts with the current state: CONCURRENCY_CONFLICT, TEMPLATE_ALREADY_EXISTS, TEMPLATE_IN_USE, TEMPLATE_INACTIVE, INVALID_*_STATE_TRANSITION.',
  413: 'The body is larger than 1 MiB (PAYLOAD_TOO_LARGE).',
  415: 'The body is not application/json (UNSUPPORTED_MEDIA_TYPE).',
  422: 'More machines than the template allows (TEMPLATE_CAPACITY_EXCEEDED), or than one request of this caller may ask for (MACHINE_LIMIT_EXCEEDED).',
  500: 'Unexpected failure (INTERNAL_ERROR); the body names no internals, quote the correlation id.',
  502: 'The cloud provider failed (PROVIDER_ERROR); `details.requestId` names a request it left failed.',
  504: 'The cloud provider did not answer in time (TIMEOUT).',
};

const responses: Record<string, OpenApiResponse> = Object.fromEntries(
  Object.entries(PROBLEM_STATUSES).map(([status, description]) => [
    `Problem${status}`,
    { description, content: { 'application/problem+json': { schema: ref('Problem') } } },
  ]),
);

/** Errors every operation can answer with (each authenticated one also 401 and 403, see `secured`). */
const always = [400, 500] as const;

const BEARER = 'bearerAuth';

/** `operation` as `level` protects it: its security requirement, and 401/403 problem responses. */
function secured(level: RouteAccess, operation: Omit<OpenApiOperation, 'security'>): OpenApiOperation {
  if (level === 'public') return { ...operation, security: [] };
  const scopes = level === 'authenticated' ? [] : [level];
  const refusals = level === 'authenticated' ? problems(401, 503) : problems(401, 403, 503);
  return { ...operation, responses: { ...operation.responses, ...refusals }, security: [{ [BEARER]: scopes }] };
}
const withBody = [...always, 413, 415] as const;

const health: OpenApiOperation = secured('public', {
  operationId: 'health',
  summary: 'Liveness and read-model health (503 when a projection is failing). The only routes without a token.',
  tags: ['service'],
  responses: { 200: ok('Healthy.', ref('Health')), 503: ok('A projection is failing.', ref('Health')) },
});

/** The OpenAPI 3.1 document of every route `buildApp()` registers, served at `/api/v1/openapi.json`. */
export const OPENAPI_DOCUMENT: OpenApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'hostfactory-kernel REST example',
    version: '1.0.0',
    description:
      'Templates, machine requests and machines of a host factory. Errors are RFC 9457 problem documents. ' +
      'Send X-Correlation-Id to trace a call (one is generated otherwise); it is echoed and recorded on the events.',
  },
  paths: {
    '/health': { get: health },
    '/api/v1/health': { get: { ...health, operationId: 'apiHealth' } },
    '/api/v1/openapi.json': {
      get: secured('authenticated', { operationId: 'openApi', summary: 'This document (any valid token).', tags: ['service'], responses: { 200: ok('The OpenAPI document.', { type: 'object' }) } }),
    },
    '/api/v1/templates': {
      get: secured(SCOPES.read, {
        operationId: 'listTemplates',
        summary: 'Lists templates with the capacity left.',
        tags: ['templates'],
        parameters: [
          correlation,
          query('providerApi', { type: 'string' }, 'Only templates of this provider mechanism.'),
          query('activeOnly', { type: 'boolean', default: true }, 'true or false.'),
          query('includeConfiguration', { type: 'boolean', default: false }, 'Include userData and provider keys.'),
        ],
        responses: { 200: ok('The templates, as `{ templates: [...] }`.', ref('TemplateList')), ...problems(...always) },
      }),
      post: secured(SCOPES.admin, {
        operationId: 'createTemplate',
        summary: 'Creates a template.',
        tags: ['templates'],
        parameters: [correlation],
        requestBody: body('CreateTemplateBody'),
        responses: { 201: ok('Created; Location and ETag name it.', ref('TemplateChangeResult')), ...problems(...withBody, 409) },
      }),
    },
    '/api/v1/templates/validate': {
      post: secured(SCOPES.read, {
        operationId: 'validateTemplate',
        summary: 'Checks a template against the rules; stores nothing.',
        tags: ['templates'],
        parameters: [correlation],
        requestBody: body('ValidateTemplateBody'),
        responses: { 200: ok('Whether it is valid, and every issue.', ref('TemplateIssuesReport')), ...problems(...withBody) },
      }),
    },
    '/api/v1/templates/{templateId}': {
      get: secured(SCOPES.read, {
        operationId: 'getTemplate',
        summary: 'One template; its ETag is its version.',
        tags: ['templates'],
        parameters: [correlation, path('templateId', 'The template id.'), query('includeConfiguration', { type: 'boolean', default: false }, 'true or false.')],
        responses: { 200: ok('The template.', ref('Template')), ...problems(...always, 404) },
      }),
      put: secured(SCOPES.admin, {
        operationId: 'updateTemplate',
        summary: 'Changes a template; If-Match (or expectedVersion) makes it conditional.',
        tags: ['templates'],
        parameters: [
          correlation,
          path('templateId', 'The template id.'),
          { name: 'If-Match', in: 'header', description: 'The ETag of the version you changed, e.g. "3".', schema: { type: 'string' } },
        ],
        requestBody: body('UpdateTemplateBody'),
        responses: { 200: ok('The new version.', ref('TemplateChangeResult')), ...problems(...withBody, 404, 409) },
      }),
      delete: secured(SCOPES.admin, {
        operationId: 'deleteTemplate',
        summary: 'Deletes a template no open request uses.',
        tags: ['templates'],
        parameters: [correlation, path('templateId', 'The template id.')],
        responses: { 200: ok('Deleted.', ref('TemplateDeleted')), ...problems(...always, 404, 409) },
      }),
    },
    '/api/v1/requests': {
      get: secured(SCOPES.read, {
        operationId: 'listRequests',
        summary: 'Requests, newest first.',
        tags: ['requests'],
        parameters: [
          correlation,
          query('status', { enum: [...REQUEST_STATUSES] }, 'Only requests in this status.'),
          query('type', { enum: ['acquire', 'return'] }, 'Only this kind of request.'),
          query('templateId', { type: 'string' }, 'Only requests of this template.'),
          ...paging,
        ],
        responses: { 200: ok('One page.', ref('RequestPage')), ...problems(...always) },
      }),
      post: secured(SCOPES.request, {
        operationId: 'requestMachines',
        summary: 'Asks the cloud for machines of a template.',
        tags: ['requests'],
        parameters: [
          correlation,
          {
            name: 'Idempotency-Key',
            in: 'header',
            description: 'Repeating a call with the same key answers the first request and provisions once.',
            schema: { type: 'string', minLength: 1, maxLength: 200 },
          },
        ],
        requestBody: body('RequestMachinesBody'),
        responses: { 202: ok('Accepted; poll the Location for the status.', ref('RequestAccepted')), ...problems(...withBody, 404, 409, 422, 429, 502, 504) },
      }),
    },
    '/api/v1/requests/{requestId}': {
      get: secured(SCOPES.read, {
        operationId: 'getRequestStatus',
        summary: 'Synchronises the request with the cloud, then returns it with its machines.',
        tags: ['requests'],
        parameters: [correlation, path('requestId', 'The request id.'), query('includeMachines', { type: 'boolean', default: true }, 'true or false.')],
        responses: { 200: ok('The request and its machines.', ref('RequestStatus')), ...problems(...always, 404, 502, 504) },
      }),
    },
    '/api/v1/requests/{requestId}/cancel': {
      post: secured(SCOPES.request, {
        operationId: 'cancelRequest',
        summary: 'Cancels a pending or in-progress request.',
        tags: ['requests'],
        parameters: [correlation, path('requestId', 'The request id.')],
        requestBody: { required: false, content: json(ref('CancelRequestBody')) },
        responses: { 200: ok('The cancelled request.', ref('Request')), ...problems(...withBody, 404, 409) },
      }),
    },
    '/api/v1/machines': {
      get: secured(SCOPES.read, {
        operationId: 'listMachines',
        summary: 'Machines, newest first.',
        tags: ['machines'],
        parameters: [
          correlation,
          query('requestId', { type: 'string' }, 'Only machines of this request.'),
          query('templateId', { type: 'string' }, 'Only machines of this template.'),
          query('status', { enum: [...MACHINE_STATUSES] }, 'Only machines in this status.'),
          ...paging,
        ],
        responses: { 200: ok('One page.', ref('MachinePage')), ...problems(...always) },
      }),
    },
    '/api/v1/machines/return': {
      post: secured(SCOPES.return, {
        operationId: 'returnMachines',
        summary: 'Hands machines back to the cloud.',
        tags: ['machines'],
        parameters: [correlation],
        requestBody: body('ReturnMachinesBody'),
        responses: { 202: ok('Accepted; poll the Location for the return request.', ref('ReturnMachinesResult')), ...problems(...withBody, 404, 502, 504) },
      }),
    },
    '/api/v1/reconcile': {
      post: secured(SCOPES.admin, {
        operationId: 'reconcile',
        summary: 'Runs one bounded Reconcile pass now (the service also runs it on an interval).',
        tags: ['service'],
        parameters: [correlation],
        requestBody: { required: false, content: json(ref('ReconcileBody')) },
        responses: { 200: ok('What the pass did.', ref('ReconcileResult')), ...problems(...withBody, 502, 504) },
      }),
    },
    '/api/v1/machines/{machineId}': {
      get: secured(SCOPES.read, {
        operationId: 'getMachine',
        summary: 'One machine.',
        tags: ['machines'],
        parameters: [correlation, path('machineId', 'The machine id.')],
        responses: { 200: ok('The machine.', ref('Machine')), ...problems(...always, 404) },
      }),
    },
  },
  components: {
    schemas: OPENAPI_SCHEMAS,
    parameters: {
      CorrelationId: {
        name: 'X-Correlation-Id',
        in: 'header',
        description: 'Traces the call; echoed in the response and recorded on the events. Generated when absent.',
        schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' },
      },
    },
    responses,
    securitySchemes: {
      [BEARER]: {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description:
          `A JWT from the configured issuer, for the configured audience, signed with a key of its JWKS (asymmetric algorithms only), with exp, sub and a tenant claim. ` +
          `Scopes (the space-separated scope claim, scp, or roles mapped to scopes): ${SCOPES.read} (read), ${SCOPES.request} (request and cancel machines), ` +
          `${SCOPES.return} (return machines), ${SCOPES.admin} (templates, reconcile, every tenant's requests; grants every route).`,
      },
    },
  },
  security: [{ [BEARER]: [] }],
};
