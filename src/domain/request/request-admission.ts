import { TemplateCapacityExceededError, TemplateInactiveError } from '../shared/errors';
import { parseMachineId } from '../shared/ids';
import { Issues, collect, joinPath, describeValue } from '../../kernel/validation';
import { REQUEST_LIMITS } from './request-limits';
import { countsUnits, deliverableUnits, remainingCapacity, templateCapacity } from '../template/template-capacity';
import { parseOptions, collectRequestAccount, type AcquireRequestInput, type ReturnRequestInput } from './request-input';
import { DEFAULT_MAX_PER_REQUEST, type RequestState } from './request-state';

/** The state a new request starts from, before the aggregate adds ids, status and dates. */
export type NewRequestFields = Omit<RequestState, 'resourceIds' | 'status' | 'statusMessage' | 'createdAt' | 'acknowledgedAt' | 'startedAt' | 'completedAt'>;

/**
 * Checks an acquire request against its template and limits (see `Request.createAcquire`): all input
 * problems together, then inactive template, then the per-request limit, then the template's
 * remaining capacity counted in the whole machines the cloud may deliver.
 */
export function admitAcquire(input: AcquireRequestInput): NewRequestFields {
  const issues = new Issues();
  const common = parseOptions(input, 'acquire', issues);
  const account = collectRequestAccount(input, issues);
  const { template, requestedCount, activeUnits } = input;
  const maxPerRequest = input.limits?.maxPerRequest ?? DEFAULT_MAX_PER_REQUEST;
  if (!Number.isInteger(requestedCount) || requestedCount < REQUEST_LIMITS.minMachineCount || requestedCount > REQUEST_LIMITS.maxMachineCount) {
    issues.add('requestedCount', 'isInt', `must be an integer from ${REQUEST_LIMITS.minMachineCount} to ${REQUEST_LIMITS.maxMachineCount}, got ${describeValue(requestedCount)}`);
  }
  if (!Number.isInteger(activeUnits) || activeUnits < 0) {
    issues.add('activeUnits', 'isInt', `must be an integer >= 0, got ${describeValue(activeUnits)}`);
  }
  if (!Number.isInteger(maxPerRequest) || maxPerRequest < 1) {
    issues.add('limits.maxPerRequest', 'isInt', `must be an integer >= 1, got ${describeValue(maxPerRequest)}`);
  }
  issues.throwIfAny('acquire request');
  if (!template.active) throw new TemplateInactiveError(template.templateId);
  if (requestedCount > maxPerRequest) {
    throw new TemplateCapacityExceededError(template.templateId, requestedCount, maxPerRequest, 'per-request');
  }
  const available = remainingCapacity(template, activeUnits);
  // Whole machines: the cloud may deliver more units than asked on a weighted template.
  const deliverable = deliverableUnits(template, requestedCount);
  if (deliverable > available) {
    throw new TemplateCapacityExceededError(template.templateId, requestedCount, available, 'template', {
      maxNumber: template.maxNumber,
      capacity: templateCapacity(template),
      inUse: activeUnits,
      deliverable,
    });
  }
  return {
    ...common,
    ...account,
    type: 'acquire',
    templateId: template.templateId,
    requestedCount,
    unitWeights: countsUnits(template) && template.vmTypes !== null ? { ...template.vmTypes } : null,
    machineIds: [],
    terminationFailures: {},
  };
}

/** Checks a return request (see `Request.createReturn`): machine ids non-empty, valid and distinct. */
export function admitReturn(input: ReturnRequestInput): NewRequestFields {
  const issues = new Issues();
  const common = parseOptions(input, 'return', issues);
  const machineIds = Array.isArray(input.machineIds) ? input.machineIds : [];
  if (machineIds.length === 0) issues.add('machineIds', 'arrayNotEmpty', 'a return request must name at least one machine');
  const seen = new Set<string>();
  machineIds.forEach((id, index) => {
    const path = joinPath('machineIds', index);
    if (collect(issues, () => parseMachineId(id, path)) === undefined) return;
    if (seen.has(id)) issues.add(path, 'unique', `machine "${id}" is named twice`);
    seen.add(id);
  });
  issues.throwIfAny('return request');
  return {
    ...common,
    type: 'return',
    templateId: null,
    requestedCount: machineIds.length,
    unitWeights: null,
    machineIds: [...machineIds],
    terminationFailures: {},
  };
}
