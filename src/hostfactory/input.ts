import { GetReturnRequests } from '../application/requests/request.queries';
import { ImportTemplates } from '../application/templates/template.commands';
import { ListTemplates } from '../application/templates/template.queries';
import { MAX_TEMPLATES_PER_DOCUMENT } from '../application/templates/templates-document';
import { RequestMachines, RequestReturnMachines } from '../application/requests/request.commands';
import { checkText, codePointLength, textProblem } from '../domain/shared/text';
import { collectRequestAccount } from '../domain/request/request-input';
import { parseTemplateDefinition } from '../domain/template/template-definition';
import { REQUEST_LIMITS } from '../domain/request/request-limits';
import { isKernelError, ValidationError } from '../kernel';
import { describeValue, Issues, isRecord, joinPath, movedPaths, pathUnder, underPath } from '../kernel/validation';
import { applyTemplateDefaults, type TemplateProviderContext } from '../application/templates/template-defaults';
import type {
  GetRequestStatusInputDocument,
  GetReturnRequestsInputDocument,
  RequestMachinesInputDocument,
  RequestReturnMachinesInputDocument,
  WireMachineReference,
} from './wire';

/**
 * Bounds on untrusted input documents. A document past one of them is rejected as a whole with
 * `VALIDATION_FAILED` before anything is read or written.
 */
export const HOSTFACTORY_INPUT_LIMITS = Object.freeze({
  /** Most request ids one getRequestStatus call may name. */
  maxRequests: 1000,
  /** Most machines one requestReturnMachines or getReturnRequests call may name. */
  maxMachines: REQUEST_LIMITS.maxMachinesPerCall,
  /** Most templates one templates file may hold. */
  maxTemplates: MAX_TEMPLATES_PER_DOCUMENT,
  /** Largest `machineCount` (the largest capacity a template can have). */
  maxMachineCount: REQUEST_LIMITS.maxMachineCount,
  /** Longest id or host name accepted, in Unicode code points (the longest machine id stored). */
  maxIdLength: REQUEST_LIMITS.maxMachineReferenceLength,
  /** Largest `-f` file `runHostFactoryOperation` reads, in bytes. */
  maxFileBytes: 16 * 1024 * 1024,
});

/** getRequestStatus input, parsed: the ids to synchronise and report, in the order asked. */
export interface GetRequestStatusInput {
  readonly requestIds: readonly string[];
}

/** Options of {@link parseTemplatesFile}. */
export interface TemplatesFileOptions {
  /** Deactivate stored templates the file no longer lists. Default false. */
  readonly deactivateMissing?: boolean;
  /** The provider instance importing the file: chooses its `defaults` levels (docs/templates.md). */
  readonly provider?: TemplateProviderContext;
}

const L = HOSTFACTORY_INPUT_LIMITS;

/** The top of an input document: a JSON object (`{}` when `optional` and absent). */
function documentObject(input: unknown, subject: string, optional = false): Record<string, unknown> {
  if (optional && (input === undefined || input === null)) return {};
  if (isRecord(input)) return input;
  throw new ValidationError(subject, [{ path: '', constraint: 'isObject', message: `the input must be a JSON object, got ${describeValue(input)}` }]);
}

/** A list given as an array, or as a single object (the IBM reference draws some lists that way). */
function list(problems: Issues, value: unknown, path: string, max: number, required: boolean): unknown[] | undefined {
  const label = path === '' ? 'the document' : path;
  if (value === undefined || value === null) {
    if (required) problems.add(path, 'isDefined', `${label} is required: give an array of objects`);
    return required ? undefined : [];
  }
  const items = Array.isArray(value) ? value : isRecord(value) ? [value] : undefined;
  if (items === undefined) {
    problems.add(path, 'isArray', `${label} must be an array of objects, got ${describeValue(value)}`);
    return undefined;
  }
  if (items.length > max) {
    problems.add(path, 'arrayMaxSize', `${label} holds ${items.length} entries; at most ${max} are accepted per call, so split it`);
    return undefined;
  }
  return items;
}

function idString(problems: Issues, value: unknown, path: string, required: boolean): string | undefined {
  if (value === undefined || value === null) {
    if (required) problems.add(path, 'isDefined', `${path} is required`);
    return undefined;
  }
  if (typeof value !== 'string' || value.trim() === '') {
    problems.add(path, 'isNotEmpty', `${path} must be a non-empty string, got ${describeValue(value)}`);
    return undefined;
  }
  // The one rule for stored text (docs/domain.md, "Text"): no NUL, no lone surrogate, at most
  // maxIdLength code points.
  const problem = textProblem(value, 'id');
  if (problem?.constraint === 'textLength') {
    problems.add(path, 'maxLength', `${path} must be at most ${L.maxIdLength} characters (Unicode code points), got ${codePointLength(value)}`);
    return undefined;
  }
  return checkText(problems, path, value, 'id') ? value : undefined;
}

function machineReferences(problems: Issues, value: unknown, required: boolean): WireMachineReference[] {
  const items = list(problems, value, 'machines', L.maxMachines, required) ?? [];
  const references: WireMachineReference[] = [];
  items.forEach((item, index) => {
    const path = joinPath('machines', index);
    if (!isRecord(item)) return problems.add(path, 'isObject', `${path} must be an object { "name", "machineId" }, got ${describeValue(item)}`);
    const name = idString(problems, item.name, joinPath(path, 'name'), true);
    const machineId = idString(problems, item.machineId, joinPath(path, 'machineId'), false);
    if (name !== undefined) references.push(machineId === undefined ? { name } : { name, machineId });
  });
  return references;
}

/**
 * getAvailableTemplates input (`{}`, may be absent) → the query listing active templates with their
 * provider configuration. Anything but an object or nothing is `VALIDATION_FAILED`; keys are ignored.
 */
export function parseGetAvailableTemplatesInput(input: unknown): ListTemplates {
  documentObject(input, 'getAvailableTemplates input', true);
  return ListTemplates.from({ activeOnly: true, includeConfiguration: true });
}

/**
 * requestMachines input `{ template: { templateId, machineCount } }` (or the flat
 * `{ templateId, machineCount }`) → the `RequestMachines` command. `machineCount` must be an integer
 * from 1 to 10000 (a string such as `"3"` is refused). Problems are reported at `template.machineCount`.
 * IBM's plug-ins also send `rc_account` and `userData` at the top level: checked by
 * `collectRequestAccount` (reported at `rc_account`, `userData`) and carried as `rcAccount`, `userData`.
 */
export function parseRequestMachinesInput(input: unknown): RequestMachines {
  const subject = 'requestMachines input';
  const top = documentObject(input, subject);
  const nested = top.template !== undefined;
  const problems = new Issues();
  if (nested && !isRecord(top.template)) {
    problems.add('template', 'isObject', `template must be an object { "templateId", "machineCount" }, got ${describeValue(top.template)}`);
    problems.throwIfAny(subject);
  }
  const body = (nested ? top.template : top) as Record<string, unknown>;
  const prefix = nested ? 'template' : '';
  const templateId = idString(problems, body.templateId, joinPath(prefix, 'templateId'), true);
  const count = body.machineCount;
  const countPath = joinPath(prefix, 'machineCount');
  if (count === undefined || count === null) problems.add(countPath, 'isDefined', `${countPath} is required: the number of machines to create`);
  else if (typeof count !== 'number' || !Number.isInteger(count) || count < REQUEST_LIMITS.minMachineCount || count > L.maxMachineCount) {
    problems.add(countPath, 'isInt', `${countPath} must be a whole number from ${REQUEST_LIMITS.minMachineCount} to ${L.maxMachineCount}, got ${describeValue(count)}${typeof count === 'string' ? ' (write it as a JSON number, without quotes)' : ''}`);
  }
  const account = collectRequestAccount({ rcAccount: top.rc_account as string, userData: top.userData as string }, problems, { rcAccount: 'rc_account', userData: 'userData' });
  problems.throwIfAny(subject);
  return underPath(prefix, subject, () => RequestMachines.from({ templateId, machineCount: count, ...account }));
}

/**
 * getRequestStatus input `{ requests: [{ requestId }, ...] }` (a single object instead of the array
 * is accepted) → the ids in order. At least one, at most 1000; each a non-empty string.
 */
export function parseGetRequestStatusInput(input: unknown): GetRequestStatusInput {
  const subject = 'getRequestStatus input';
  const top = documentObject(input, subject);
  const problems = new Issues();
  const items = list(problems, top.requests, 'requests', L.maxRequests, true);
  if (items !== undefined && items.length === 0) problems.add('requests', 'arrayMinSize', 'requests must name at least one request');
  const requestIds: string[] = [];
  (items ?? []).forEach((item, index) => {
    const path = joinPath('requests', index);
    if (!isRecord(item)) return problems.add(path, 'isObject', `${path} must be an object { "requestId" }, got ${describeValue(item)}`);
    const id = idString(problems, item.requestId, joinPath(path, 'requestId'), true);
    if (id !== undefined) requestIds.push(id);
  });
  problems.throwIfAny(subject);
  return Object.freeze({ requestIds: Object.freeze(requestIds) });
}

/**
 * requestReturnMachines input `{ machines: [{ name, machineId? }, ...] }` → the
 * `RequestReturnMachines` command. `name` is mandatory; `machineId`, when given, is used to resolve.
 */
export function parseRequestReturnMachinesInput(input: unknown): RequestReturnMachines {
  const subject = 'requestReturnMachines input';
  const top = documentObject(input, subject);
  const problems = new Issues();
  const machines = machineReferences(problems, top.machines, true);
  if (problems.count === 0 && machines.length === 0) problems.add('machines', 'arrayMinSize', 'machines must name at least one machine to return');
  problems.throwIfAny(subject);
  return underPath('', subject, () => RequestReturnMachines.from({ machines }));
}

/**
 * getReturnRequests input `{ machines: [{ name, machineId? }, ...] }` (the hosts Symphony holds;
 * the list may be empty or absent) → the `GetReturnRequests` query.
 */
export function parseGetReturnRequestsInput(input: unknown): GetReturnRequests {
  const subject = 'getReturnRequests input';
  const top = documentObject(input, subject, true);
  const problems = new Issues();
  const machines = machineReferences(problems, top.machines, false);
  problems.throwIfAny(subject);
  return underPath('', subject, () => GetReturnRequests.from({ machines }));
}

/**
 * A provider templates file (`{ templates: [...] }`, a bare array, or one template object in
 * `templates`) → the `ImportTemplates` command. Its `defaults` section, when present, is applied
 * first ({@link applyTemplateDefaults}, for `options.provider`), so what is imported is each effective
 * template. Every template is checked against the template rules; all problems are reported at
 * once (`templates[1].maxNumber`), as are duplicate ids.
 */
export function parseTemplatesFile(input: unknown, options: TemplatesFileOptions = {}): ImportTemplates {
  const subject = 'templates file';
  const bare = Array.isArray(input);
  if (!bare && !isRecord(input)) {
    throw new ValidationError(subject, [{ path: '', constraint: 'isObject', message: `a templates file must be { "templates": [ ... ] }, got ${describeValue(input)}` }]);
  }
  const problems = new Issues();
  const base = bare ? '' : 'templates';
  const given = bare ? list(problems, input, '', L.maxTemplates, true) : list(problems, (input as Record<string, unknown>).templates, 'templates', L.maxTemplates, true);
  const withDefaults = !bare && given !== undefined && (input as Record<string, unknown>).defaults !== undefined;
  const items = withDefaults ? applyTemplateDefaults({ ...(input as Record<string, unknown>), templates: given }, options.provider).templates : given;
  const seen = new Map<string, number>();
  (items ?? []).forEach((item, index) => {
    const path = joinPath(base, index);
    try {
      const definition = parseTemplateDefinition(item);
      const first = seen.get(definition.templateId);
      if (first !== undefined) {
        problems.add(joinPath(path, 'templateId'), 'unique', `templateId "${definition.templateId}" is also used by ${joinPath(base, first)}; template ids must be unique`);
      } else seen.set(definition.templateId, index);
    } catch (error) {
      if (!isKernelError(error, 'VALIDATION_FAILED')) throw error;
      for (const issue of (error as ValidationError).issues) problems.add(pathUnder(path, issue.path), issue.constraint, issue.message);
    }
  });
  problems.throwIfAny(subject);
  // The command holds the templates under document.templates; its input gate (a template wider
  // than the kernel's key limit, say) reports them where the file has them.
  return movedPaths('document.templates', base, subject, () =>
    ImportTemplates.from({
      document: { templates: items ?? [] },
      ...(options.deactivateMissing === undefined ? {} : { deactivateMissing: options.deactivateMissing }),
    }),
  );
}

/** The canonical getAvailableTemplates input: `{}`. */
export function formatGetAvailableTemplatesInput(): Record<string, never> {
  return {};
}

/** The canonical requestMachines input for a parsed command (the nested variant, with `rc_account` and `userData` when given). */
export function formatRequestMachinesInput(command: Pick<RequestMachines, 'templateId' | 'machineCount'> & Partial<Pick<RequestMachines, 'rcAccount' | 'userData'>>): RequestMachinesInputDocument {
  return {
    template: { templateId: command.templateId, machineCount: command.machineCount },
    ...(command.rcAccount === undefined ? {} : { rc_account: command.rcAccount }),
    ...(command.userData === undefined ? {} : { userData: command.userData }),
  };
}

/** The canonical getRequestStatus input for parsed ids. */
export function formatGetRequestStatusInput(input: GetRequestStatusInput): GetRequestStatusInputDocument {
  return { requests: input.requestIds.map((requestId) => ({ requestId })) };
}

/** The canonical requestReturnMachines input for a parsed command (`name` first, `machineId` when known). */
export function formatRequestReturnMachinesInput(command: Pick<RequestReturnMachines, 'machines'>): RequestReturnMachinesInputDocument {
  return { machines: command.machines.map(wireReference) };
}

/** The canonical getReturnRequests input for a parsed query. */
export function formatGetReturnRequestsInput(query: Pick<GetReturnRequests, 'machines'>): GetReturnRequestsInputDocument {
  return { machines: (query.machines ?? []).map(wireReference) };
}

function wireReference(reference: { name?: string; machineId?: string }): WireMachineReference {
  return reference.machineId === undefined ? { name: reference.name ?? '' } : { name: reference.name ?? '', machineId: reference.machineId };
}
