import { TEXT_LIMITS } from '../shared/text';
import { MAX_TEMPLATE_CAPACITY } from '../template/template-definition';
import { MAX_REQUEST_TIMEOUT_SECONDS } from './request-state';

/**
 * The bounds on a request's fields, in one place: the domain checks them, and the commands'
 * decorators, the Symphony wire parser and its JSON Schemas read them from here, so every layer
 * accepts exactly the same values (test/architecture/one-home-for-limits.test.ts keeps them equal).
 */
export const REQUEST_LIMITS = Object.freeze({
  /** Fewest machines (or units) one request may ask for. */
  minMachineCount: 1,
  /** Most machines (or units) one request may ask for: the largest capacity a template can have. */
  maxMachineCount: MAX_TEMPLATE_CAPACITY,
  /** Longest `timeoutSeconds` (one day); the shortest is 1. */
  maxTimeoutSeconds: MAX_REQUEST_TIMEOUT_SECONDS,
  /** Longest idempotency key, in code points; the shortest is 1. */
  maxIdempotencyKeyLength: TEXT_LIMITS.idempotencyKey,
  /** Longest machine id or host name a caller may name, in code points. */
  maxMachineReferenceLength: TEXT_LIMITS.id,
  /** Most machines one return (or getReturnRequests) call may name. */
  maxMachinesPerCall: 10_000,
  /** Longest `rcAccount` (LSF's `rc_account`). */
  maxRcAccountLength: 128,
  /** Largest `userData`, in bytes of its JSON form. */
  maxUserDataBytes: 16_384,
} as const);
