import type { ReclaimDto } from '../application/read-models/machine.dto';
import type { RequestStatusDto } from '../application/read-models/request.dto';
import type { ReturnMachinesResult } from '../application/requests/request.commands';
import type { TemplateDto } from '../application/read-models/template.dto';
import type { RequestStatusReport, ReturnRequestsReport } from '../application/requests/status-reports';
import { formatTags } from '../domain/shared/tags';
import { type MachineStatus } from '../domain/machine/machine-status';
import { type RequestStatus } from '../domain/request/request-status';
import type {
  GetAvailableTemplatesOutput,
  GetRequestStatusOutput,
  GetReturnRequestsLsfOutput,
  GetReturnRequestsOutput,
  RequestIdOutput,
  WireAttribute,
  WireMachine,
  WireMachineStatus,
  WireRequestStatus,
  WireRequestStatusEntry,
  WireTemplate,
} from './wire';

/** The `message` of each successful answer (Symphony shows them in its logs). */
export const HOSTFACTORY_MESSAGES = Object.freeze({
  getAvailableTemplates: 'Get available templates success.',
  requestMachines: 'Request VM success.',
  requestReturnMachines: 'Delete VM success.',
  getReturnRequests: 'Instances marked for termination retrieved successfully.',
  getReturnRequestsNone: 'No instances are marked for termination.',
});

/** Keys the getAvailableTemplates answer computes; a provider key of the same name is not passed through. */
const COMPUTED_TEMPLATE_KEYS = new Set(['templateId', 'maxNumber', 'availableNumber', 'requestedMachines', 'attributes', 'active']);

/**
 * Symphony's request status: `running` while pending or in progress, `complete` when completed,
 * `complete_with_error` when partial, failed, cancelled or timed out.
 */
export function wireRequestStatus(status: RequestStatus): WireRequestStatus {
  switch (status) {
    case 'pending':
    case 'in_progress':
      return 'running';
    case 'completed':
      return 'complete';
    default:
      return 'complete_with_error';
  }
}

/** Symphony's machine status: internal `failed` is reported as `terminated`, `unknown` as `pending`. */
export function wireMachineStatus(status: MachineStatus): WireMachineStatus {
  if (status === 'failed') return 'terminated';
  if (status === 'unknown') return 'pending';
  return status;
}

/**
 * The getAvailableTemplates answer: active templates only, each with `availableNumber`, its
 * attributes as `[kind, value]` pairs, its settings (absent ones omitted, `instanceTags` as
 * `"k=v;k=v"`, one subnet as `subnetId` string, several as an array) and every provider key
 * verbatim (list them with `includeConfiguration: true`, or provider keys are missing).
 */
export function formatGetAvailableTemplatesOutput(templates: readonly TemplateDto[], message: string = HOSTFACTORY_MESSAGES.getAvailableTemplates): GetAvailableTemplatesOutput {
  return { templates: templates.filter((t) => t.active !== false).map(formatTemplate), message };
}

/** One template of the getAvailableTemplates answer (see {@link formatGetAvailableTemplatesOutput}). */
export function formatTemplate(template: TemplateDto): WireTemplate {
  const attributes: Record<string, WireAttribute> = {};
  for (const [name, [kind, value]] of Object.entries(template.attributes)) attributes[name] = [kind, value];
  const wire: WireTemplate = {
    templateId: template.templateId,
    maxNumber: template.maxNumber,
    availableNumber: template.availableNumber,
    attributes,
    priceType: template.priceType,
  };
  if (template.requestedMachines.length > 0) wire.requestedMachines = [...template.requestedMachines];
  if (template.imageId !== null) wire.imageId = template.imageId;
  if (template.subnetIds.length === 1) wire.subnetId = template.subnetIds[0]!;
  else if (template.subnetIds.length > 1) wire.subnetId = [...template.subnetIds];
  if (template.vmType !== null) wire.vmType = template.vmType;
  if (template.vmTypes !== null) wire.vmTypes = { ...template.vmTypes };
  if (template.securityGroupIds.length > 0) wire.securityGroupIds = [...template.securityGroupIds];
  if (Object.keys(template.instanceTags).length > 0) wire.instanceTags = formatTags(template.instanceTags);
  if (template.keyName !== null) wire.keyName = template.keyName;
  const userData = template.configuration?.userData;
  if (userData !== null && userData !== undefined) wire.userData = userData;
  if (template.providerApi !== null) wire.providerApi = template.providerApi;
  for (const [key, value] of Object.entries(template.configuration?.providerConfig ?? {})) {
    if (!COMPUTED_TEMPLATE_KEYS.has(key) && !Object.hasOwn(wire, key)) wire[key] = structuredClone(value);
  }
  return wire;
}

/** The requestMachines answer: the new (or, for a repeated idempotent call, the first) request id. */
export function formatRequestMachinesOutput(result: { requestId: string }, message: string = HOSTFACTORY_MESSAGES.requestMachines): RequestIdOutput {
  return { requestId: result.requestId, message };
}

/**
 * The requestReturnMachines answer: the return request id, and a message that lists the names
 * left out (unknown or already terminated) and those already being returned by an open request.
 */
export function formatRequestReturnMachinesOutput(result: ReturnMachinesResult): RequestIdOutput {
  const parts: string[] = [HOSTFACTORY_MESSAGES.requestReturnMachines];
  if (result.notFound.length > 0) parts.push(`Not returned (unknown or already terminated): ${result.notFound.join(', ')}.`);
  if (result.alreadyReturning.length > 0) parts.push(`Already being returned by an open return request: ${result.alreadyReturning.join(', ')}.`);
  return { requestId: result.requestId, message: parts.join(' ') };
}

/** The error answer of requestReturnMachines when none of the named machines is active. */
export function formatNoActiveMachinesOutput(names: readonly string[]): { message: string } {
  return { message: `No active machines to return: ${names.join(', ')}. None of them is a running machine of this provider; check the host names against getRequestStatus.` };
}

/**
 * One request of the getRequestStatus answer: status mapped for Symphony, `message` saying why in
 * the error cases (`""` otherwise), each machine with `result`, wire `status`, `privateIpAddress`
 * (`null` while unknown), `launchtime` in epoch seconds (`0` while unknown) and a non-empty `message`
 * whenever `result` is `fail`, and `rcAccount` on every machine when the request has one. `note` is appended to the
 * message (used when the provider could not be asked and the stored state is shown).
 */
export function formatRequestStatusEntry(request: RequestStatusDto, note?: string): WireRequestStatusEntry {
  const status = wireRequestStatus(request.status);
  const why = status === 'complete_with_error' ? request.statusMessage.trim() || `The request ended with status ${request.status}.` : '';
  const message = [why, note?.trim() ?? ''].filter((part) => part !== '').join(' ');
  return { requestId: request.requestId, status, message, machines: request.machines.map((machine) => formatMachine(machine, request.rcAccount)) };
}

/** The getRequestStatus entry for an id no request has: `complete_with_error`, no machines, and why. */
export function formatRequestNotFoundEntry(requestId: string, message?: string): WireRequestStatusEntry {
  return {
    requestId,
    status: 'complete_with_error',
    message: message ?? `Request "${requestId}" was not found: use the requestId that requestMachines or requestReturnMachines answered.`,
    machines: [],
  };
}

/**
 * One request of the getRequestStatus answer from the use case's report: the not-found entry when no
 * request has the id, else {@link formatRequestStatusEntry}, noting the stale reason when the provider
 * could not be asked.
 */
export function formatRequestStatusReport(report: RequestStatusReport): WireRequestStatusEntry {
  if (report.status === null) return formatRequestNotFoundEntry(report.requestId);
  const note = report.staleReason === undefined ? undefined : `The provider could not be asked for fresh status, so this is the last known state: ${report.staleReason}`;
  return formatRequestStatusEntry(report.status, note);
}

/** The getRequestStatus answer. */
export function formatGetRequestStatusOutput(entries: readonly WireRequestStatusEntry[]): GetRequestStatusOutput {
  return { requests: [...entries] };
}

function formatMachine(machine: RequestStatusDto['machines'][number], rcAccount: string | undefined): WireMachine {
  let message = machine.message?.trim() ?? '';
  if (machine.status === 'unknown' && message === '') message = 'The provider has lost track of this machine; it is checked again at the next status call.';
  if (machine.result === 'fail' && message === '') message = `The machine is ${machine.status}.`;
  // Key order follows the reference documents. IBM marks privateIpAddress and launchtime mandatory:
  // while unknown they are sent as null and 0 (what the AWS reference plugin sends); other unknown facts are left out.
  const wire = {
    machineId: machine.machineId,
    name: machine.name ?? '',
    result: machine.result,
    status: wireMachineStatus(machine.status),
    privateIpAddress: machine.privateIpAddress || null,
  } as WireMachine;
  if (machine.publicIpAddress) wire.publicIpAddress = machine.publicIpAddress;
  wire.launchtime = epochSeconds(machine.launchTime) ?? 0;
  if (machine.instanceType) wire.instanceType = machine.instanceType;
  if (machine.priceType) wire.priceType = machine.priceType;
  wire.instanceTags = formatTags(machine.instanceTags ?? {});
  wire.cloudHostId = machine.cloudHostId ?? null;
  if (rcAccount !== undefined) wire.rcAccount = rcAccount;
  wire.message = message;
  return wire;
}

function epochSeconds(value: Date | string | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  const ms = (value instanceof Date ? value : new Date(value)).getTime();
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

/**
 * The getReturnRequests answer: `status` `complete` and the hosts the provider wants back, each
 * with its grace period in whole seconds (never negative). An empty list is the normal answer.
 */
export function formatGetReturnRequestsOutput(reclaims: readonly Pick<ReclaimDto, 'machine' | 'gracePeriod'>[], message?: string): GetReturnRequestsOutput {
  return {
    status: 'complete',
    message: message ?? (reclaims.length > 0 ? HOSTFACTORY_MESSAGES.getReturnRequests : HOSTFACTORY_MESSAGES.getReturnRequestsNone),
    requests: reclaims.map((r) => ({ machine: r.machine, gracePeriod: Math.max(0, Math.floor(r.gracePeriod)) })),
  };
}

/**
 * The getReturnRequests answer in LSF's resource connector dialect: `status` `complete` and the hosts
 * the provider wants back, each as `{ machine, machineId }` (LSF's ebrokerd matches both; it has no
 * grace period). An empty list is the normal answer.
 */
export function formatGetReturnRequestsLsfOutput(reclaims: readonly Pick<ReclaimDto, 'machine' | 'machineId'>[], message?: string): GetReturnRequestsLsfOutput {
  return {
    status: 'complete',
    message: message ?? (reclaims.length > 0 ? HOSTFACTORY_MESSAGES.getReturnRequests : HOSTFACTORY_MESSAGES.getReturnRequestsNone),
    requests: reclaims.map((r) => ({ machine: r.machine, machineId: r.machineId ?? r.machine })),
  };
}

/** The note appended to a getReturnRequests message when the cloud could not be asked. */
function withStaleNote<O extends { message: string }>(output: O, report: ReturnRequestsReport): O {
  if (report.staleReason === undefined) return output;
  return { ...output, message: `${output.message} The cloud could not be asked for new notices, so these are the last recorded ones: ${report.staleReason}` };
}

/** The getReturnRequests answer (Symphony's dialect) from the use case's report. */
export function formatGetReturnRequestsReport(report: ReturnRequestsReport): GetReturnRequestsOutput {
  return withStaleNote(formatGetReturnRequestsOutput(report.reclaims), report);
}

/** The getReturnRequests answer in LSF's dialect from the use case's report. */
export function formatGetReturnRequestsLsfReport(report: ReturnRequestsReport): GetReturnRequestsLsfOutput {
  return withStaleNote(formatGetReturnRequestsLsfOutput(report.reclaims), report);
}
