import { isKernelError } from '../../kernel';
import { normaliseMachineId, normaliseText, type TextKind } from '../../domain/shared/text';
import { parseIpAddress } from '../../domain/shared/ip-address';
import type { ProviderMachine, ProvisionResult, ReclaimNotice, TerminateResult } from './provider.port';

/*
 * The cloud's text made storable before anything records it (docs/domain.md, "Text"): a NUL, a lone
 * surrogate or an overlong name in a provider's answer is normalised, never a failed transaction.
 * Blank facts, resource ids and tag keys, and addresses or launch times that are not one, say
 * nothing and are recorded as unknown. Values of the wrong type are left as they are, for the
 * domain to refuse as before.
 */

function text<T>(value: T, kind: TextKind): T {
  return (typeof value === 'string' ? normaliseText(value, kind) : value) as T;
}

function machineId<T>(value: T): T {
  return (typeof value === 'string' ? normaliseMachineId(value) : value) as T;
}

function tags(value: Readonly<Record<string, string>> | undefined): Readonly<Record<string, string>> | undefined {
  if (value === undefined || value === null || typeof value !== 'object') return value;
  const out: Record<string, string> = {};
  for (const [key, raw] of Object.entries(value)) {
    const normalised = normaliseText(key, 'tagKey');
    // Two keys that normalise alike keep the first value, as the cloud listed them; an empty key names nothing.
    if (normalised !== '' && !Object.hasOwn(out, normalised)) out[normalised] = text(raw, 'tagValue');
  }
  return out;
}

function isIpAddress(value: string): boolean {
  try {
    parseIpAddress(value);
    return true;
  } catch (error) {
    if (isKernelError(error, 'VALIDATION_FAILED')) return false;
    throw error;
  }
}

/** One machine report with its text normalised (its id through `normaliseMachineId`). */
export function normaliseMachine(report: ProviderMachine): ProviderMachine {
  if (typeof report !== 'object' || report === null) return report;
  const out: Record<string, unknown> = { ...report, machineId: machineId(report.machineId) };
  if (report.statusReason !== undefined) out.statusReason = text(report.statusReason, 'reason');
  for (const key of ['name', 'resourceId', 'instanceType', 'cloudHostId'] as const) {
    // A blank fact says nothing: recorded as unknown rather than refused.
    if (report[key] !== undefined) out[key] = typeof report[key] === 'string' && report[key].trim() === '' ? null : text(report[key], 'name');
  }
  if (report.instanceTags !== undefined) out.instanceTags = tags(report.instanceTags);
  // An address or a launch time the cloud garbled is unknown, not a reason to refuse the report.
  for (const key of ['privateIpAddress', 'publicIpAddress'] as const) {
    if (typeof report[key] === 'string' && !isIpAddress(report[key])) out[key] = null;
  }
  if (report.launchTime instanceof Date && Number.isNaN(report.launchTime.getTime())) out.launchTime = null;
  return out as unknown as ProviderMachine;
}

/**
 * The answer of provider operation `operation` with its text made storable (machine and resource ids
 * through `normaliseMachineId`, so they stay unique and stable); other operations' answers pass unchanged.
 */
export function normaliseProviderAnswer(operation: string, answer: unknown): unknown {
  switch (operation) {
    case 'describe':
      return Array.isArray(answer) ? answer.map(normaliseMachine) : answer;
    case 'provision': {
      const result = answer as ProvisionResult | null;
      if (typeof result !== 'object' || result === null) return answer;
      return {
        ...result,
        resourceIds: Array.isArray(result.resourceIds) ? result.resourceIds.filter((id) => typeof id !== 'string' || id.trim() !== '').map(machineId) : result.resourceIds,
        machines: Array.isArray(result.machines) ? result.machines.map(normaliseMachine) : result.machines,
      };
    }
    case 'terminate': {
      const result = answer as TerminateResult | null;
      if (typeof result !== 'object' || result === null) return answer;
      return {
        ...result,
        accepted: Array.isArray(result.accepted) ? result.accepted.map(machineId) : result.accepted,
        failed: Array.isArray(result.failed)
          ? result.failed.map((f) => (typeof f === 'object' && f !== null ? { ...f, machineId: machineId(f.machineId), message: text(f.message, 'reason') } : f))
          : result.failed,
      };
    }
    case 'reclaimNotices':
      return Array.isArray(answer)
        ? answer.map((n: ReclaimNotice) =>
            typeof n === 'object' && n !== null
              ? { ...n, machineId: machineId(n.machineId), ...(n.name == null ? {} : { name: text(n.name, 'name') }), ...(n.reason === undefined ? {} : { reason: text(n.reason, 'reason') }) }
              : n,
          )
        : answer;
    default:
      return answer;
  }
}
