import type { RequestType } from '../shared/ids';
import { parseRequestId } from '../shared/ids';
import { parseTags } from '../shared/tags';
import { checkText, TEXT_LIMITS } from '../shared/text';
import { type Issues, collect, show } from '../shared/validation';
import type { CapacityTerms } from '../template/template-capacity';
import { DEFAULT_REQUEST_TIMEOUT_SECONDS, MAX_REQUEST_TIMEOUT_SECONDS, type RequestLimits, type RequestState } from './request-state';

/** Caller data common to both request types. */
export interface RequestOptions {
  /** A pre-generated id of the right type; generated from `ctx.ids` when absent. */
  requestId?: string;
  /** 1–86400, default 3600. */
  timeoutSeconds?: number;
  tags?: string | Readonly<Record<string, string>>;
  priority?: number;
  /** Caller key for idempotent creation (1–256 code points of storable text); stored, not checked for uniqueness here. */
  idempotencyKey?: string;
}

/** The template facts an acquire request is checked against; a Template aggregate fits. */
export interface AcquireTemplateTerms extends CapacityTerms {
  readonly templateId: string;
  readonly active: boolean;
}

/** Input of {@link Request.createAcquire}. */
export interface AcquireRequestInput extends RequestOptions {
  template: AcquireTemplateTerms;
  /** Units of the template already in use (live machines, plus what open requests still expect). */
  activeUnits: number;
  /** Units to acquire: machines for ondemand, weights for spot/heterogeneous. */
  requestedCount: number;
  limits?: RequestLimits;
}

/** Input of {@link Request.createReturn}. */
export interface ReturnRequestInput extends RequestOptions {
  /** The machines to hand back; fixed for the life of the request. */
  machineIds: readonly string[];
}

/** Validates the caller data common to both request types, collecting problems into `issues`. */
export function parseOptions(input: RequestOptions, type: RequestType, issues: Issues): Pick<RequestState, 'requestId' | 'tags' | 'priority' | 'timeoutSeconds' | 'idempotencyKey'> {
  const requestId = input.requestId === undefined ? '' : (collect(issues, () => parseRequestId(input.requestId, type)) ?? '');
  const timeoutSeconds = input.timeoutSeconds ?? DEFAULT_REQUEST_TIMEOUT_SECONDS;
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > MAX_REQUEST_TIMEOUT_SECONDS) {
    issues.add('timeoutSeconds', 'isInt', `must be an integer from 1 to ${MAX_REQUEST_TIMEOUT_SECONDS}, got ${show(timeoutSeconds)}`);
  }
  const priority = input.priority ?? null;
  if (priority !== null && !Number.isSafeInteger(priority)) issues.add('priority', 'isInt', `must be an integer, got ${show(priority)}`);
  const tags = collect(issues, () => parseTags(input.tags, 'tags')) ?? {};
  const idempotencyKey = input.idempotencyKey ?? null;
  if (idempotencyKey !== null && (typeof idempotencyKey !== 'string' || idempotencyKey.length < 1)) {
    issues.add('idempotencyKey', 'length', `must be 1-${TEXT_LIMITS.idempotencyKey} characters, got ${show(idempotencyKey)}`);
  } else if (idempotencyKey !== null) checkText(issues, 'idempotencyKey', idempotencyKey, 'idempotencyKey');
  return { requestId, tags, priority, timeoutSeconds, idempotencyKey };
}
