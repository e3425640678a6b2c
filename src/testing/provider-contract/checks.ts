import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import type { CancelProvisionResult, ProviderMachine, ProvisionResult, ReclaimNotice, TerminateResult } from '../../application/provider/provider.port';
import { MACHINE_STATUSES, isMachineStatus } from '../../domain/machine/machine-status';
import { isRecord } from '../../kernel/validation';

/** Compact text of any value for failure messages. */
export function show(value: unknown): string {
  return inspect(value, { depth: 4, breakLength: Infinity, maxArrayLength: 20 });
}


function optional(record: Record<string, unknown>, key: string, accepts: (value: unknown) => boolean, expected: string, what: string): void {
  const value = record[key];
  if (value === undefined || value === null) return;
  assert.ok(accepts(value), `${what}: ${key} should be ${expected} (or null/absent), got ${show(value)}`);
}

/** Fails unless `value` is a well-formed {@link ProviderMachine}: an id, a valid status, a reason when failed, typed facts. */
export function checkMachine(value: unknown, what: string): asserts value is ProviderMachine {
  assert.ok(isRecord(value), `${what}: a machine should be an object, got ${show(value)}`);
  assert.ok(typeof value.machineId === 'string' && value.machineId.length > 0, `${what}: machineId should be a non-empty string, got ${show(value.machineId)}`);
  const id = `${what}: machine ${value.machineId}`;
  assert.ok(isMachineStatus(value.status), `${id}: status should be one of ${MACHINE_STATUSES.join(', ')}, got ${show(value.status)}`);
  if (value.status === 'failed') {
    assert.ok(typeof value.statusReason === 'string' && value.statusReason.trim() !== '', `${id}: a failed machine needs a non-empty statusReason, got ${show(value.statusReason)}`);
  }
  const isString = (v: unknown): boolean => typeof v === 'string';
  for (const key of ['statusReason', 'name', 'resourceId', 'instanceType', 'cloudHostId', 'privateIpAddress', 'publicIpAddress']) {
    optional(value, key, isString, 'a string', id);
  }
  optional(value, 'priceType', (v) => v === 'ondemand' || v === 'spot', '"ondemand" or "spot"', id);
  optional(value, 'launchTime', (v) => v instanceof Date && !Number.isNaN(v.getTime()), 'a valid Date', id);
  optional(value, 'instanceTags', (v) => isRecord(v) && Object.values(v).every(isString), 'a map of strings', id);
}

/** Fails unless `value` is an array of well-formed machines with distinct ids. */
export function checkMachines(value: unknown, what: string): asserts value is ProviderMachine[] {
  assert.ok(Array.isArray(value), `${what}: should return an array of machines, got ${show(value)}`);
  value.forEach((machine, index) => checkMachine(machine, `${what} [${index}]`));
  const ids = (value as ProviderMachine[]).map((m) => m.machineId);
  assert.equal(new Set(ids).size, ids.length, `${what}: each machine should appear once, got ids ${show(ids)}`);
}

/** Fails unless `value` is a {@link ProvisionResult}: an array of string resource ids and well-formed machines. */
export function checkProvisionResult(value: unknown, what: string): asserts value is ProvisionResult {
  assert.ok(isRecord(value), `${what}: should resolve to { resourceIds, machines }, got ${show(value)}`);
  assert.ok(
    Array.isArray(value.resourceIds) && value.resourceIds.every((id) => typeof id === 'string' && id !== ''),
    `${what}: resourceIds should be an array of non-empty strings, got ${show(value.resourceIds)}`,
  );
  checkMachines(value.machines, `${what}: machines`);
}

/**
 * Fails unless `value` is a {@link TerminateResult} reporting each of `named` exactly once, in
 * `accepted` or in `failed` with a non-empty message, and nothing else.
 */
export function checkTerminateResult(value: unknown, named: readonly string[], what: string): asserts value is TerminateResult {
  assert.ok(isRecord(value), `${what}: should resolve to { accepted, failed }, got ${show(value)}`);
  const { accepted, failed } = value;
  assert.ok(Array.isArray(accepted) && accepted.every((id) => typeof id === 'string'), `${what}: accepted should be an array of machine id strings, got ${show(accepted)}`);
  assert.ok(Array.isArray(failed), `${what}: failed should be an array, got ${show(failed)}`);
  for (const entry of failed) {
    assert.ok(isRecord(entry) && typeof entry.machineId === 'string', `${what}: each failed entry should be { machineId, message }, got ${show(entry)}`);
    assert.ok(typeof entry.message === 'string' && entry.message.trim() !== '', `${what}: failed machine ${entry.machineId} needs a non-empty message, got ${show(entry.message)}`);
  }
  const reported = [...(accepted as string[]), ...(failed as { machineId: string }[]).map((f) => f.machineId)];
  for (const id of named) {
    const times = reported.filter((r) => r === id).length;
    assert.equal(times, 1, `${what}: machine ${id} should be reported exactly once (accepted or failed), was reported ${times} times in ${show(value)}`);
  }
  const extra = reported.filter((id) => !named.includes(id));
  assert.deepEqual(extra, [], `${what}: reported machines that were not named: ${show(extra)}`);
}

/** Fails unless `value` is an array of {@link ReclaimNotice}s: a machine id and a non-negative, finite grace period. */
export function checkReclaimNotices(value: unknown, what: string): asserts value is ReclaimNotice[] {
  assert.ok(Array.isArray(value), `${what}: should return an array of notices, got ${show(value)}`);
  for (const notice of value) {
    assert.ok(isRecord(notice), `${what}: each notice should be an object, got ${show(notice)}`);
    assert.ok(typeof notice.machineId === 'string' && notice.machineId !== '', `${what}: machineId should be a non-empty string, got ${show(notice.machineId)}`);
    const grace = notice.gracePeriod;
    assert.ok(typeof grace === 'number' && Number.isFinite(grace) && grace >= 0, `${what}: notice for ${notice.machineId}: gracePeriod should be seconds ≥ 0, got ${show(grace)}`);
    optional(notice, 'name', (v) => typeof v === 'string', 'a string', `${what}: notice for ${notice.machineId}`);
    optional(notice, 'reason', (v) => typeof v === 'string', 'a string', `${what}: notice for ${notice.machineId}`);
  }
}

/** Fails unless `error` is an Error with a non-empty message; names `what` and shows what was thrown. */
export function checkError(error: unknown, what: string): asserts error is Error {
  assert.ok(error instanceof Error, `${what}: should reject with an Error, rejected with ${show(error)}`);
  assert.ok(error.message.trim() !== '', `${what}: the Error should carry a message saying what went wrong, got an empty message (${error.name})`);
}

/** Fails unless `value` is a {@link CancelProvisionResult}: `released`, an array of non-empty strings. */
export function checkCancelResult(value: unknown, what: string): asserts value is CancelProvisionResult {
  assert.ok(isRecord(value), `${what}: should resolve to { released }, got ${show(value)}`);
  assert.ok(
    Array.isArray(value.released) && value.released.every((id) => typeof id === 'string' && id !== ''),
    `${what}: released should be an array of non-empty strings, got ${show(value.released)}`,
  );
}
