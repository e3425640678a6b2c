import { KernelError, ValidationError, type ValidationIssue } from '../kernel/errors';
import type { ProcessorClaim } from './processor-store';

/** Processor names: letters, digits, `.`, `_`, `-`, 1–100 characters (`#` separates partitions). */
const NAME = /^[A-Za-z0-9._-]{1,100}$/;

/** Is `name` a valid processor name? */
export function isProcessorName(name: unknown): name is string {
  return typeof name === 'string' && NAME.test(name);
}

/** `PROCESSOR_LEASE_LOST`: another replica took the key over (or it was reset); nothing was written. */
export function leaseLost(claim: ProcessorClaim): KernelError {
  return new KernelError(
    'PROCESSOR_LEASE_LOST',
    `Processor ${claim.processor} is no longer held by ${claim.owner} at epoch ${claim.epoch} (its lease expired and another replica took it, or it was reset); nothing was written. The replica drops the key and claims it again later.`,
    { details: { processor: claim.processor, owner: claim.owner, epoch: claim.epoch } },
  );
}

/** `DEAD_LETTER_NOT_FOUND`: the letter was replayed or deleted already; nothing was written. */
export function deadLetterNotFound(processor: string, position: number): KernelError {
  return new KernelError(
    'DEAD_LETTER_NOT_FOUND',
    `Processor ${processor} has no dead letter at position ${position} (another replay settled it, or a reset removed it); nothing was written. List the letters again.`,
    { details: { processor, position } },
  );
}

/** Checks the arguments of `ProcessorStore.claim`; throws `VALIDATION_FAILED` naming each bad one. */
export function checkClaimArguments(processor: unknown, owner: unknown, leaseMs: unknown): void {
  const issues: ValidationIssue[] = [];
  if (typeof processor !== 'string' || !/^[A-Za-z0-9._-]{1,100}(#\d{1,4})?$/.test(processor)) {
    issues.push({ path: 'processor', constraint: 'processorKey', message: `must be a processor name (letters, digits, ".", "_", "-", at most 100) optionally followed by #partition, got ${JSON.stringify(processor)}` });
  }
  if (typeof owner !== 'string' || owner.length === 0 || owner.length > 200) {
    issues.push({ path: 'owner', constraint: 'isString', message: `must be a non-empty string of at most 200 characters, got ${JSON.stringify(owner)}` });
  }
  if (!Number.isSafeInteger(leaseMs) || (leaseMs as number) < 1) {
    issues.push({ path: 'leaseMs', constraint: 'isInt', message: `must be a whole number of milliseconds >= 1, got ${String(leaseMs)}` });
  }
  if (issues.length > 0) throw new ValidationError('processor claim', issues);
}
