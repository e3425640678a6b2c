import { ValidationError } from '../../kernel/errors';
import type { IdGenerator } from './ports';
import { textProblem } from './text';
import { describeValue } from '../../kernel/validation';

/** Canonical lower-case UUID v4. */
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const REQUEST_ID = /^(req|ret)-(.+)$/;
/** What a template id is made of: 1–64 of `0-9 A-Z a-z - _` (the commands and the wire schemas read it). */
export const TEMPLATE_ID = /^[0-9A-Za-z_-]{1,64}$/;

/** Whether a request acquires machines or hands them back. */
export type RequestType = 'acquire' | 'return';

/** `req-<uuid v4>` (acquire) or `ret-<uuid v4>` (return), lower-case canonical; see {@link parseRequestId}. */
export type RequestId = string;

/** 1–64 characters of `0-9 A-Z a-z - _`; see {@link parseTemplateId}. */
export type TemplateId = string;

/** The provider's instance id (non-empty, no surrounding blanks, storable text of ≤ 256 code points); see {@link parseMachineId}. */
export type MachineId = string;

/** True when `value` is a canonical lower-case UUID v4. */
export function isUuidV4(value: unknown): value is string {
  return typeof value === 'string' && UUID_V4.test(value);
}

/**
 * A fresh request id for `type` from `ids`. Throws VALIDATION_FAILED if the generator breaks the
 * {@link IdGenerator} contract (not a lower-case UUID v4).
 */
export function newRequestId(type: RequestType, ids: IdGenerator): RequestId {
  const uuid = ids.uuid();
  if (!isUuidV4(uuid)) {
    throw new ValidationError('generated id', [
      { path: 'uuid', constraint: 'isUuidV4', message: `the id generator returned ${describeValue(uuid)}, not a lower-case UUID v4` },
    ]);
  }
  return `${requestIdPrefix(type)}-${uuid}`;
}

/** `req` for acquire, `ret` for return. */
export function requestIdPrefix(type: RequestType): 'req' | 'ret' {
  return type === 'acquire' ? 'req' : 'ret';
}

/**
 * Validates a request id, optionally of one type; returns it unchanged. Throws VALIDATION_FAILED
 * naming `field` unless it is `req-`/`ret-` followed by a lower-case UUID v4.
 */
export function parseRequestId(value: unknown, expectedType?: RequestType, field = 'requestId'): RequestId {
  const match = typeof value === 'string' ? REQUEST_ID.exec(value) : null;
  const prefixOk = match !== null && (expectedType === undefined || match[1] === requestIdPrefix(expectedType));
  if (match === null || !prefixOk || !isUuidV4(match[2])) {
    const shape = expectedType === undefined ? '`req-<uuid>` or `ret-<uuid>`' : `\`${requestIdPrefix(expectedType)}-<uuid>\``;
    throw new ValidationError('request id', [
      { path: field, constraint: 'isRequestId', message: `must be ${shape} with a lower-case UUID v4, got ${describeValue(value)}` },
    ]);
  }
  return value as string;
}

/** Validates a template id (1–64 of `0-9 A-Z a-z - _`); throws VALIDATION_FAILED naming `field`. */
export function parseTemplateId(value: unknown, field = 'templateId'): TemplateId {
  if (typeof value !== 'string' || !TEMPLATE_ID.test(value)) {
    throw new ValidationError('template id', [
      { path: field, constraint: 'isTemplateId', message: `must be 1-64 characters of 0-9 A-Z a-z - _, got ${describeValue(value)}` },
    ]);
  }
  return value;
}

/**
 * Validates a machine id: non-empty, no surrounding blanks, storable text (no NUL, no lone surrogate,
 * at most 256 code points); throws VALIDATION_FAILED naming `field`. Cloud ids go through
 * `normaliseMachineId` first.
 */
export function parseMachineId(value: unknown, field = 'machineId'): MachineId {
  const problem = typeof value === 'string' ? textProblem(value, 'id') : undefined;
  if (typeof value !== 'string' || value.length === 0 || problem !== undefined || value.trim() !== value) {
    throw new ValidationError('machine id', [
      {
        path: field,
        constraint: problem?.constraint === 'storableText' ? 'storableText' : 'isMachineId',
        message: `must be the provider's instance id (1-256 characters, no surrounding blanks${problem === undefined ? '' : `; it ${problem.message}`}), got ${describeValue(value)}`,
      },
    ]);
  }
  return value;
}
