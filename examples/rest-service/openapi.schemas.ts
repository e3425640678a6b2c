import { MACHINE_STATUSES, REQUEST_STATUSES } from 'hostfactory-kernel/storage';
import { REQUEST_LIMITS } from 'hostfactory-kernel/hostfactory';

/** A JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1). */
export type JsonSchema = { readonly [keyword: string]: unknown };

/** A reference to the component schema `name`. */
export const schemaRef = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

const ref = schemaRef;
const nullable = (type: string): JsonSchema => ({ type: [type, 'null'] });
const dateTime: JsonSchema = { type: 'string', format: 'date-time' };
const strings: JsonSchema = { type: 'array', items: { type: 'string' } };
const stringMap: JsonSchema = { type: 'object', additionalProperties: { type: 'string' } };
const object = (properties: Record<string, JsonSchema>, required = Object.keys(properties)): JsonSchema => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
});

const templateFields: Record<string, JsonSchema> = {
  templateId: { type: 'string' },
  maxNumber: { type: 'integer', description: '-1 = unlimited (capped at 10000); units for spot/heterogeneous templates.' },
  availableNumber: { type: 'integer' },
  requestedMachines: strings,
  attributes: { type: 'object', additionalProperties: ref('TemplateAttribute') },
  priceType: { enum: ['ondemand', 'spot', 'heterogeneous'] },
  vmType: nullable('string'),
  vmTypes: { type: ['object', 'null'], additionalProperties: { type: 'integer' } },
  imageId: nullable('string'),
  subnetIds: strings,
  securityGroupIds: strings,
  keyName: nullable('string'),
  instanceTags: stringMap,
  providerApi: nullable('string'),
  active: { type: 'boolean' },
  version: { type: 'integer' },
  createdAt: dateTime,
  updatedAt: dateTime,
};

const requestFields: Record<string, JsonSchema> = {
  requestId: { type: 'string' },
  type: { enum: ['acquire', 'return'] },
  templateId: nullable('string'),
  requestedCount: { type: 'integer' },
  machineIds: strings,
  resourceIds: strings,
  tags: stringMap,
  priority: nullable('integer'),
  timeoutSeconds: { type: 'integer' },
  status: { enum: [...REQUEST_STATUSES] },
  statusMessage: { type: 'string' },
  createdAt: dateTime,
  startedAt: { type: ['string', 'null'], format: 'date-time' },
  completedAt: { type: ['string', 'null'], format: 'date-time' },
  deadline: dateTime,
  version: { type: 'integer' },
};

const machineFields: Record<string, JsonSchema> = {
  machineId: { type: 'string' },
  name: nullable('string'),
  requestId: { type: 'string' },
  returnRequestId: nullable('string'),
  templateId: { type: 'string' },
  providerApi: nullable('string'),
  resourceId: nullable('string'),
  instanceType: nullable('string'),
  priceType: { enum: ['ondemand', 'spot', null] },
  cloudHostId: nullable('string'),
  privateIpAddress: nullable('string'),
  publicIpAddress: nullable('string'),
  instanceTags: stringMap,
  launchTime: { type: ['string', 'null'], format: 'date-time' },
  terminatedAt: { type: ['string', 'null'], format: 'date-time' },
  status: { enum: [...MACHINE_STATUSES] },
  statusReason: { type: 'string' },
  createdAt: dateTime,
  updatedAt: dateTime,
  version: { type: 'integer' },
};

const page = (item: string): JsonSchema =>
  object({ items: { type: 'array', items: ref(item) }, total: { type: 'integer' }, limit: { type: 'integer' }, offset: { type: 'integer' } });

/** The component schemas: request bodies, DTOs as JSON, problem documents. */
export const OPENAPI_SCHEMAS: Readonly<Record<string, JsonSchema>> = {
  ValidationIssue: object({ path: { type: 'string' }, constraint: { type: 'string' }, message: { type: 'string' } }),
  Problem: {
    ...object(
      {
        type: { type: 'string' },
        title: { type: 'string' },
        status: { type: 'integer' },
        detail: { type: 'string' },
        instance: { type: 'string' },
        code: { type: 'string', description: 'Stable error code, e.g. TEMPLATE_NOT_FOUND.' },
        correlationId: { type: 'string' },
        issues: { type: 'array', items: ref('ValidationIssue') },
        details: { type: 'object', description: 'The offending values, e.g. requestId of a request the provider failed.' },
      },
      ['type', 'title', 'status', 'detail', 'instance', 'code', 'correlationId'],
    ),
    description: 'RFC 9457 problem details.',
  },
  TemplateAttribute: { type: 'array', prefixItems: [{ enum: ['String', 'Numeric'] }, { type: 'string' }], minItems: 2, maxItems: 2 },
  TemplateInput: {
    type: 'object',
    description: 'A Symphony template; keys this schema does not name are kept as provider configuration.',
    required: ['templateId', 'maxNumber', 'attributes'],
    properties: {
      templateId: { type: 'string' },
      maxNumber: { type: 'integer' },
      attributes: { type: 'object' },
      priceType: { enum: ['ondemand', 'spot', 'heterogeneous', null] },
      vmType: nullable('string'),
      vmTypes: { type: ['object', 'null'], additionalProperties: { type: 'integer' } },
      imageId: nullable('string'),
      subnetIds: { type: ['array', 'null'], items: { type: 'string' } },
      securityGroupIds: { type: ['array', 'null'], items: { type: 'string' } },
      keyName: nullable('string'),
      userData: nullable('string'),
      instanceTags: { type: ['string', 'object', 'null'] },
      providerApi: nullable('string'),
      active: nullable('boolean'),
    },
  },
  Template: {
    ...object(
      {
        ...templateFields,
        configuration: object({ userData: nullable('string'), providerConfig: { type: 'object' } }),
      },
      Object.keys(templateFields),
    ),
  },
  CreateTemplateBody: object({ template: ref('TemplateInput') }),
  UpdateTemplateBody: object(
    { changes: { type: 'object', description: 'Any template key but templateId.' }, expectedVersion: { type: 'integer', minimum: 1 } },
    ['changes'],
  ),
  ValidateTemplateBody: object({ template: { type: 'object' } }),
  TemplateChangeResult: object({ templateId: { type: 'string' }, version: { type: 'integer' } }),
  TemplateDeleted: object({ templateId: { type: 'string' } }),
  TemplateIssuesReport: object({ valid: { type: 'boolean' }, issues: { type: 'array', items: ref('ValidationIssue') } }),
  RequestMachinesBody: object(
    {
      templateId: { type: 'string', pattern: '^[0-9A-Za-z_-]{1,64}$' },
      machineCount: { type: 'integer', minimum: REQUEST_LIMITS.minMachineCount, maximum: REQUEST_LIMITS.maxMachineCount },
      tags: stringMap,
      priority: { type: 'integer' },
      timeoutSeconds: { type: 'integer', minimum: 1, maximum: REQUEST_LIMITS.maxTimeoutSeconds, default: 3600 },
      idempotencyKey: { type: 'string', minLength: 1, maxLength: REQUEST_LIMITS.maxIdempotencyKeyLength, description: 'Prefer the Idempotency-Key header.' },
    },
    ['templateId', 'machineCount'],
  ),
  TemplateList: object({ templates: { type: 'array', items: ref('Template') } }),
  RequestAccepted: object({ requestId: { type: 'string' } }),
  CancelRequestBody: object({ reason: { type: 'string', maxLength: 1000 } }, []),
  Request: object(requestFields),
  RequestMachine: object({ ...machineFields, result: { enum: ['executing', 'succeed', 'fail'] }, message: { type: 'string' } }),
  RequestStatus: object({ ...requestFields, machines: { type: 'array', items: ref('RequestMachine') } }),
  RequestPage: page('Request'),
  MachineReference: object(
    { machineId: { type: 'string', minLength: 1, maxLength: REQUEST_LIMITS.maxMachineReferenceLength }, name: { type: 'string', minLength: 1, maxLength: REQUEST_LIMITS.maxMachineReferenceLength } },
    [],
  ),
  ReturnMachinesBody: object({ machines: { type: 'array', minItems: 1, maxItems: REQUEST_LIMITS.maxMachinesPerCall, items: ref('MachineReference') } }),
  ReturnMachinesResult: object({ requestId: { type: 'string' }, notFound: strings, alreadyReturning: strings }),
  Machine: object(machineFields),
  MachinePage: page('Machine'),
  ReconcileBody: object(
    {
      limit: { type: 'integer', minimum: 1, maximum: 1000 },
      budgetMs: { type: 'integer', minimum: 1, maximum: 600000 },
      ackWindowMs: { type: 'integer', minimum: 0, maximum: 604800000 },
    },
    [],
  ),
  ReconcileResult: object(
    Object.fromEntries(
      ['examined', 'synced', 'closed', 'abandoned', 'machinesReturned', 'awaitingAcknowledgement', 'conflicts', 'errors', 'remaining', 'releasing', 'released'].map((name) => [name, { type: 'integer', minimum: 0 }]),
    ),
  ),
  Health: object({
    status: { enum: ['ok', 'degraded'] },
    projections: { type: 'array', items: object({ projection: { type: 'string' }, position: { type: 'integer' }, failing: { type: 'boolean' } }) },
  }),
};

