/**
 * JSON Schemas (draft 2020-12) of every Symphony host-factory document, shipped as data so a host
 * can validate without reading files. Outputs describe exactly what the format functions emit;
 * inputs describe every variant the parse functions accept.
 */

import { MAX_TEMPLATES_PER_DOCUMENT } from '../application/templates/templates-document';
import { MAX_TEMPLATE_CAPACITY } from '../domain/template/template-definition';
import { REQUEST_LIMITS } from '../domain/request/request-limits';
import { TEMPLATE_ID } from '../domain/shared/ids';

const SCHEMA = 'https://json-schema.org/draft/2020-12/schema';
const BASE = 'urn:hostfactory-kernel:hostfactory:';

const RC_ACCOUNT_PATTERN = `^[A-Za-z0-9_.:/@+=-]{1,${REQUEST_LIMITS.maxRcAccountLength}}$`;
const nonEmpty = { type: 'string', minLength: 1 } as const;
const id = { type: 'string', minLength: 1, maxLength: REQUEST_LIMITS.maxMachineReferenceLength } as const;
const tagsString = { type: 'string', description: '"k=v;k=v"' } as const;
const machineReference = {
  type: 'object',
  required: ['name'],
  properties: { name: id, machineId: { anyOf: [id, { type: 'null' }] } },
} as const;
const machineReferences = { anyOf: [{ type: 'array', maxItems: REQUEST_LIMITS.maxMachinesPerCall, items: machineReference }, machineReference] } as const;

const attribute = {
  type: 'array',
  prefixItems: [{ enum: ['String', 'Numeric', 'Boolean'] }, { type: 'string' }],
  minItems: 2,
  maxItems: 2,
} as const;

/** A required attribute: `[kind, non-empty value]`. */
/** A getReturnRequests answer (`{ status, message, requests }`) whose request entries are `entry`, in each product's dialect. */
function returnRequestsOutput<E extends { readonly required: readonly string[]; readonly properties: object }>(name: string, title: string, entry: E) {
  return {
    $schema: SCHEMA,
    $id: `${BASE}${name}`,
    title,
    type: 'object',
    required: ['status', 'message', 'requests'],
    properties: {
      status: { const: 'complete' },
      message: { type: 'string' },
      requests: { type: 'array', items: { type: 'object', ...entry, additionalProperties: false } },
    },
    additionalProperties: false,
  } as const;
}

function pair(kind: 'String' | 'Numeric') {
  return { type: 'array', prefixItems: [{ const: kind }, nonEmpty], minItems: 2, maxItems: 2 } as const;
}

const wireTemplate = {
  type: 'object',
  required: ['templateId', 'maxNumber', 'availableNumber', 'attributes', 'priceType'],
  properties: {
    templateId: { type: 'string', pattern: TEMPLATE_ID.source },
    maxNumber: { type: 'integer', minimum: -1, maximum: MAX_TEMPLATE_CAPACITY },
    availableNumber: { type: 'integer', minimum: 0, maximum: MAX_TEMPLATE_CAPACITY },
    attributes: {
      type: 'object',
      required: ['type', 'ncpus'],
      anyOf: [{ required: ['nram'] }, { required: ['mem'] }],
      properties: {
        type: pair('String'),
        ncpus: pair('Numeric'),
        nram: pair('Numeric'),
        mem: pair('Numeric'),
      },
      additionalProperties: attribute,
    },
    priceType: { enum: ['ondemand', 'spot', 'heterogeneous'] },
    requestedMachines: { type: 'array', items: { type: 'string' } },
    imageId: nonEmpty,
    subnetId: { anyOf: [nonEmpty, { type: 'array', minItems: 2, items: nonEmpty }] },
    vmType: nonEmpty,
    vmTypes: { type: 'object', minProperties: 1, additionalProperties: { type: 'integer', minimum: 1 } },
    securityGroupIds: { type: 'array', minItems: 1, items: nonEmpty },
    instanceTags: tagsString,
    keyName: nonEmpty,
    userData: { type: 'string' },
    providerApi: nonEmpty,
  },
  additionalProperties: true,
} as const;

const wireMachine = {
  type: 'object',
  required: ['machineId', 'name', 'result', 'status', 'privateIpAddress', 'launchtime', 'instanceTags', 'cloudHostId', 'message'],
  properties: {
    machineId: nonEmpty,
    name: { type: 'string' },
    result: { enum: ['executing', 'succeed', 'fail'] },
    status: { enum: ['pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated'] },
    privateIpAddress: { anyOf: [nonEmpty, { type: 'null' }] },
    publicIpAddress: nonEmpty,
    launchtime: { type: 'integer', minimum: 0 },
    instanceType: nonEmpty,
    priceType: { enum: ['ondemand', 'spot'] },
    instanceTags: tagsString,
    cloudHostId: { type: ['string', 'null'] },
    rcAccount: { type: 'string', pattern: RC_ACCOUNT_PATTERN },
    message: { type: 'string' },
  },
  additionalProperties: false,
  if: { properties: { result: { const: 'fail' } } },
  then: { properties: { message: nonEmpty } },
} as const;

/** The error document every operation prints with a non-zero exit. */
export const ERROR_OUTPUT_SCHEMA = {
  $schema: SCHEMA,
  $id: `${BASE}error.output`,
  title: 'Symphony provider error document',
  type: 'object',
  required: ['message'],
  properties: { message: nonEmpty },
  additionalProperties: false,
} as const;

/**
 * Every schema by document name (`<operation>.input`, `<operation>.output`, `error.output`,
 * `templates.file`). Each is a plain draft 2020-12 schema object with its own `$id`.
 */
export const HOSTFACTORY_SCHEMAS = Object.freeze({
  'getAvailableTemplates.input': {
    $schema: SCHEMA,
    $id: `${BASE}getAvailableTemplates.input`,
    title: 'getAvailableTemplates input (may be empty or absent)',
    type: ['object', 'null'],
  },
  'getAvailableTemplates.output': {
    $schema: SCHEMA,
    $id: `${BASE}getAvailableTemplates.output`,
    title: 'getAvailableTemplates output',
    type: 'object',
    required: ['templates', 'message'],
    properties: { templates: { type: 'array', items: wireTemplate }, message: { type: 'string' } },
    additionalProperties: false,
  },
  'requestMachines.input': {
    $schema: SCHEMA,
    $id: `${BASE}requestMachines.input`,
    title: 'requestMachines input (nested or flat)',
    $defs: {
      body: {
        type: 'object',
        required: ['templateId', 'machineCount'],
        properties: { templateId: id, machineCount: { type: 'integer', minimum: REQUEST_LIMITS.minMachineCount, maximum: REQUEST_LIMITS.maxMachineCount } },
      },
    },
    type: 'object',
    properties: {
      rc_account: { anyOf: [{ type: 'string', pattern: RC_ACCOUNT_PATTERN }, { type: 'null' }] },
      userData: { anyOf: [{ type: 'string' }, { type: 'object', propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$' } }, { type: 'null' }] },
    },
    anyOf: [
      { required: ['template'], properties: { template: { $ref: '#/$defs/body' } } },
      { not: { required: ['template'] }, $ref: '#/$defs/body' },
    ],
  },
  'requestMachines.output': {
    $schema: SCHEMA,
    $id: `${BASE}requestMachines.output`,
    title: 'requestMachines output',
    type: 'object',
    required: ['requestId', 'message'],
    properties: { requestId: { type: 'string', pattern: '^req-[0-9a-f-]{36}$' }, message: { type: 'string' } },
    additionalProperties: false,
  },
  'getRequestStatus.input': {
    $schema: SCHEMA,
    $id: `${BASE}getRequestStatus.input`,
    title: 'getRequestStatus input (array or one object)',
    $defs: { entry: { type: 'object', required: ['requestId'], properties: { requestId: id } } },
    type: 'object',
    required: ['requests'],
    properties: { requests: { anyOf: [{ type: 'array', minItems: 1, maxItems: 1000, items: { $ref: '#/$defs/entry' } }, { $ref: '#/$defs/entry' }] } },
  },
  'getRequestStatus.output': {
    $schema: SCHEMA,
    $id: `${BASE}getRequestStatus.output`,
    title: 'getRequestStatus output',
    type: 'object',
    required: ['requests'],
    properties: {
      requests: {
        type: 'array',
        items: {
          type: 'object',
          required: ['requestId', 'status', 'message', 'machines'],
          properties: {
            requestId: nonEmpty,
            status: { enum: ['running', 'complete', 'complete_with_error'] },
            message: { type: 'string' },
            machines: { type: 'array', items: wireMachine },
          },
          additionalProperties: false,
          if: { properties: { status: { const: 'complete_with_error' } } },
          then: { properties: { message: nonEmpty } },
        },
      },
    },
    additionalProperties: false,
  },
  'requestReturnMachines.input': {
    $schema: SCHEMA,
    $id: `${BASE}requestReturnMachines.input`,
    title: 'requestReturnMachines input (array or one object)',
    type: 'object',
    required: ['machines'],
    properties: { machines: machineReferences },
  },
  'requestReturnMachines.output': {
    $schema: SCHEMA,
    $id: `${BASE}requestReturnMachines.output`,
    title: 'requestReturnMachines output',
    type: 'object',
    required: ['requestId', 'message'],
    properties: { requestId: { type: 'string', pattern: '^ret-[0-9a-f-]{36}$' }, message: { type: 'string' } },
    additionalProperties: false,
  },
  'getReturnRequests.input': {
    $schema: SCHEMA,
    $id: `${BASE}getReturnRequests.input`,
    title: 'getReturnRequests input (the list may be empty or absent)',
    type: ['object', 'null'],
    properties: { machines: { anyOf: [machineReferences, { type: 'null' }] } },
  },
  'getReturnRequests.output': returnRequestsOutput('getReturnRequests.output', 'getReturnRequests output', {
    required: ['machine', 'gracePeriod'],
    properties: { machine: nonEmpty, gracePeriod: { type: 'integer', minimum: 0 } },
  }),
  'lsf.getReturnRequests.output': returnRequestsOutput('lsf.getReturnRequests.output', 'getReturnRequests output, LSF resource connector dialect', {
    required: ['machine', 'machineId'],
    properties: { machine: nonEmpty, machineId: nonEmpty },
  }),
  'error.output': ERROR_OUTPUT_SCHEMA,
  'templates.file': {
    $schema: SCHEMA,
    $id: `${BASE}templates.file`,
    title: 'Provider templates file (<provider>prov_templates.json)',
    $defs: {
      template: {
        type: 'object',
        required: ['templateId', 'maxNumber', 'attributes'],
        properties: {
          templateId: { type: 'string', pattern: TEMPLATE_ID.source },
          maxNumber: { type: 'integer', minimum: -1, maximum: MAX_TEMPLATE_CAPACITY },
          attributes: {
            type: 'object',
            required: ['type', 'ncpus'],
            anyOf: [{ required: ['nram'] }, { required: ['mem'] }],
            additionalProperties: { anyOf: [attribute, { type: 'string' }, { type: 'number' }] },
          },
          priceType: { enum: ['ondemand', 'spot', 'heterogeneous', null] },
          subnetId: { anyOf: [nonEmpty, { type: 'array', items: nonEmpty }, { type: 'null' }] },
          vmTypes: { anyOf: [{ type: 'object', additionalProperties: { type: 'integer', minimum: 1 } }, { type: 'null' }] },
          instanceTags: { anyOf: [tagsString, { type: 'object', additionalProperties: { type: 'string' } }, { type: 'null' }] },
          rootDeviceVolumeSize: { type: 'integer', minimum: 1, maximum: 16_384 },
          iops: { type: 'integer', minimum: 100, maximum: 64_000 },
          percentOnDemand: { type: 'number', minimum: 0, maximum: 100 },
          volumeType: { enum: ['gp2', 'gp3', 'io1', 'io2', 'standard'] },
          allocationStrategy: { enum: ['capacityOptimized', 'capacityOptimizedPrioritized', 'diversified', 'lowestPrice'] },
        },
        additionalProperties: true,
      },
    },
    anyOf: [
      {
        type: 'object',
        required: ['templates'],
        properties: { templates: { anyOf: [{ type: 'array', maxItems: MAX_TEMPLATES_PER_DOCUMENT, items: { $ref: '#/$defs/template' } }, { $ref: '#/$defs/template' }] } },
      },
      { type: 'array', maxItems: MAX_TEMPLATES_PER_DOCUMENT, items: { $ref: '#/$defs/template' } },
    ],
  },
} as const);

/** A document name of {@link HOSTFACTORY_SCHEMAS}. */
export type HostFactorySchemaName = keyof typeof HOSTFACTORY_SCHEMAS;
