import type { RequestType } from '../shared/ids';
import { parseRequestId } from '../shared/ids';
import { isJsonValue } from '../shared/json';
import { parseTags } from '../shared/tags';
import { checkText, TEXT_LIMITS } from '../shared/text';
import { type Issues, collect, describeValue } from '../../kernel/validation';
import type { CapacityTerms } from '../template/template-capacity';
import { REQUEST_LIMITS } from './request-limits';
import { DEFAULT_REQUEST_TIMEOUT_SECONDS, MAX_REQUEST_TIMEOUT_SECONDS, type RequestLimits, type RequestState, type RequestUserData } from './request-state';

export type { RequestUserData } from './request-state';

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
export interface AcquireRequestInput extends RequestOptions, RequestAccountInput {
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
    issues.add('timeoutSeconds', 'isInt', `must be an integer from 1 to ${MAX_REQUEST_TIMEOUT_SECONDS}, got ${describeValue(timeoutSeconds)}`);
  }
  const priority = input.priority ?? null;
  if (priority !== null && !Number.isSafeInteger(priority)) issues.add('priority', 'isInt', `must be an integer, got ${describeValue(priority)}`);
  const tags = collect(issues, () => parseTags(input.tags, 'tags')) ?? {};
  const idempotencyKey = input.idempotencyKey ?? null;
  if (idempotencyKey !== null && (typeof idempotencyKey !== 'string' || idempotencyKey.length < 1)) {
    issues.add('idempotencyKey', 'length', `must be 1-${TEXT_LIMITS.idempotencyKey} characters, got ${describeValue(idempotencyKey)}`);
  } else if (idempotencyKey !== null) checkText(issues, 'idempotencyKey', idempotencyKey, 'idempotencyKey');
  return { requestId, tags, priority, timeoutSeconds, idempotencyKey };
}

/** What an IBM plug-in's requestMachines may add: the account (`rc_account`) and the user data. */
export interface RequestAccountInput {
  /** LSF's `rc_account`: 1–128 of `A-Z a-z 0-9 _ . - : / @ + =` (it becomes a cloud tag value). */
  rcAccount?: string;
  /** An object whose keys are shell variable names (`^[A-Za-z_][A-Za-z0-9_]{0,63}$`), or a string; at most 16 KiB as JSON. */
  userData?: RequestUserData;
}

/** Limits on `rcAccount` and `userData`. */
export const REQUEST_ACCOUNT_LIMITS = Object.freeze({ maxRcAccountLength: REQUEST_LIMITS.maxRcAccountLength, maxUserDataBytes: REQUEST_LIMITS.maxUserDataBytes });

const RC_ACCOUNT = /^[A-Za-z0-9_.:/@+=-]+$/;
const USER_DATA_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * Validates `rcAccount` and `userData`, collecting problems into `issues` under `paths` (the wire
 * names them `rc_account` and `userData`); returns the fields to store (absent ones omitted).
 * Messages never quote the values.
 */
export function collectRequestAccount(input: RequestAccountInput, issues: Issues, paths = { rcAccount: 'rcAccount', userData: 'userData' }): RequestAccountInput {
  const out: RequestAccountInput = {};
  const { rcAccount, userData } = input as { rcAccount?: unknown; userData?: unknown };
  const max = REQUEST_ACCOUNT_LIMITS;
  if (rcAccount !== undefined && rcAccount !== null) {
    if (typeof rcAccount !== 'string' || rcAccount.length < 1 || rcAccount.length > max.maxRcAccountLength || !RC_ACCOUNT.test(rcAccount)) {
      issues.add(paths.rcAccount, 'isAccount', `must be a string of 1 to ${max.maxRcAccountLength} letters, digits or _ . - : / @ + = (the account the machines are charged to), got ${typeof rcAccount === 'string' ? `a string of ${rcAccount.length} characters that breaks this rule` : describeValue(rcAccount)}`);
    } else out.rcAccount = rcAccount;
  }
  if (userData !== undefined && userData !== null) {
    const isObject = typeof userData === 'object' && !Array.isArray(userData);
    if (typeof userData !== 'string' && !isObject) {
      issues.add(paths.userData, 'isUserData', `must be an object of named values or a string, got ${Array.isArray(userData) ? 'an array' : `a ${typeof userData}`}`);
    } else if (!isJsonValue(userData)) {
      issues.add(paths.userData, 'isJson', 'must be JSON data');
    } else {
      const badKeys = isObject ? Object.keys(userData).filter((key) => !USER_DATA_KEY.test(key)) : [];
      const bytes = Buffer.byteLength(JSON.stringify(userData), 'utf8');
      if (badKeys.length > 0) issues.add(paths.userData, 'isUserDataKey', `keys must be names of 1 to 64 letters, digits or _, not starting with a digit (each is exported to the instance as a variable); ${badKeys.length} key(s) break this rule`);
      else if (bytes > max.maxUserDataBytes) issues.add(paths.userData, 'maxSize', `must be at most ${max.maxUserDataBytes} bytes as JSON, got ${bytes}: pass large data by reference (a URL or a file name)`);
      else out.userData = userData as RequestUserData;
    }
  }
  return out;
}
