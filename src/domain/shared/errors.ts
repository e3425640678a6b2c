import { KernelError, type KernelErrorOptions } from '../../kernel/errors';

/** Every error code the domain raises besides `VALIDATION_FAILED`. */
export const DOMAIN_ERROR_CODES = [
  'TEMPLATE_NOT_FOUND',
  'TEMPLATE_ALREADY_EXISTS',
  'TEMPLATE_INACTIVE',
  'TEMPLATE_IN_USE',
  'TEMPLATE_CAPACITY_EXCEEDED',
  'REQUEST_NOT_FOUND',
  'MACHINE_NOT_FOUND',
  'INVALID_REQUEST_STATE_TRANSITION',
  'INVALID_MACHINE_STATE_TRANSITION',
  'CONCURRENCY_CONFLICT',
  'PROVIDER_ERROR',
  'SCHEMA_VERSION_UNSUPPORTED',
] as const;

/** One of {@link DOMAIN_ERROR_CODES}. */
export type DomainErrorCode = (typeof DOMAIN_ERROR_CODES)[number];

/** No template has this id (`TEMPLATE_NOT_FOUND`). */
export class TemplateNotFoundError extends KernelError {
  constructor(templateId: string) {
    super('TEMPLATE_NOT_FOUND', `Template "${templateId}" does not exist. Check the id against the available templates.`, {
      details: { templateId },
    });
  }
}

/** A template with this id already exists (`TEMPLATE_ALREADY_EXISTS`). */
export class TemplateAlreadyExistsError extends KernelError {
  constructor(templateId: string) {
    super('TEMPLATE_ALREADY_EXISTS', `Template "${templateId}" already exists. Choose another id or update the existing template.`, {
      details: { templateId },
    });
  }
}

/** The template is deactivated and takes no new requests (`TEMPLATE_INACTIVE`). */
export class TemplateInactiveError extends KernelError {
  constructor(templateId: string) {
    super('TEMPLATE_INACTIVE', `Template "${templateId}" is inactive and accepts no new requests. Activate it or use another template.`, {
      details: { templateId },
    });
  }
}

/** The template is referenced by open requests and cannot be deleted (`TEMPLATE_IN_USE`). */
export class TemplateInUseError extends KernelError {
  constructor(templateId: string, openRequestIds: readonly string[]) {
    const shown = openRequestIds.slice(0, 5).join(', ') + (openRequestIds.length > 5 ? ', ...' : '');
    super(
      'TEMPLATE_IN_USE',
      `Template "${templateId}" is used by ${openRequestIds.length} open request(s) (${shown}). ` +
        `Wait for them to finish or cancel them, then delete the template (or deactivate it now).`,
      { details: { templateId, openRequestIds: [...openRequestIds] } },
    );
  }
}

/** Which limit a request broke: the template's remaining capacity or the per-request limit. */
export type CapacityLimit = 'template' | 'per-request';

/** A request asks for more than the template or the per-request limit allows (`TEMPLATE_CAPACITY_EXCEEDED`). */
export class TemplateCapacityExceededError extends KernelError {
  constructor(templateId: string, requested: number, available: number, limit: CapacityLimit, details: Record<string, unknown> = {}) {
    const what =
      limit === 'template'
        ? `template "${templateId}" has ${available} unit(s) of capacity left`
        : `a single request may ask for at most ${available} unit(s)`;
    super(
      'TEMPLATE_CAPACITY_EXCEEDED',
      `Requested ${requested} unit(s)${typeof details.deliverable === 'number' && details.deliverable > requested ? ` (${details.deliverable} once rounded up to whole machines)` : ''} but ${what}. Ask for at most ${available}, ` +
        (limit === 'template' ? 'return machines, or raise the template\'s maxNumber.' : 'or split the request.'),
      { details: { templateId, requested, available, limit, ...details } },
    );
  }
}

/** No request has this id (`REQUEST_NOT_FOUND`). */
export class RequestNotFoundError extends KernelError {
  constructor(requestId: string) {
    super('REQUEST_NOT_FOUND', `Request "${requestId}" does not exist. Check the id returned when the request was made.`, {
      details: { requestId },
    });
  }
}

/** No machine has this id or host name (`MACHINE_NOT_FOUND`). */
export class MachineNotFoundError extends KernelError {
  constructor(machine: string) {
    super('MACHINE_NOT_FOUND', `Machine "${machine}" is not known to this provider. Check the machine id or host name.`, {
      details: { machine },
    });
  }
}

/** A request status move the request status machine forbids (`INVALID_REQUEST_STATE_TRANSITION`). */
export class InvalidRequestStateTransitionError extends KernelError {
  constructor(requestId: string, from: string, to: string, allowed: readonly string[]) {
    const options = allowed.length === 0 ? `"${from}" is terminal` : `from "${from}" it may only move to ${allowed.join(', ')}`;
    super(
      'INVALID_REQUEST_STATE_TRANSITION',
      `Request "${requestId}" cannot move from "${from}" to "${to}": ${options}. Nothing was changed.`,
      { details: { requestId, from, to, allowed: [...allowed] } },
    );
  }
}

/** A machine status move the machine status machine forbids (`INVALID_MACHINE_STATE_TRANSITION`). */
export class InvalidMachineStateTransitionError extends KernelError {
  constructor(machineId: string, from: string, to: string, allowed: readonly string[]) {
    const options = allowed.length === 0 ? `"${from}" is terminal` : `from "${from}" it may only move to ${allowed.join(', ')}`;
    super(
      'INVALID_MACHINE_STATE_TRANSITION',
      `Machine "${machineId}" cannot move from "${from}" to "${to}": ${options}. The report was not applied.`,
      { details: { machineId, from, to, allowed: [...allowed] } },
    );
  }
}

/** A save stated a version other than the stored one (`CONCURRENCY_CONFLICT`); nothing was written. */
export class ConcurrencyConflictError extends KernelError {
  constructor(aggregateType: string, id: string, expectedVersion: number, actualVersion: number | null) {
    const actual = actualVersion === null ? 'it does not exist' : `it is at version ${actualVersion}`;
    super(
      'CONCURRENCY_CONFLICT',
      `${aggregateType} "${id}" was expected at version ${expectedVersion} but ${actual}; someone else changed it. ` +
        `Reload it and retry the command.`,
      { details: { aggregateType, id, expectedVersion, actualVersion } },
    );
  }
}

/** Options of {@link ProviderError}. */
export interface ProviderErrorOptions extends KernelErrorOptions {
  /** The request being served when the provider failed. */
  requestId?: string;
}

/**
 * The cloud provider refused or failed an operation (`PROVIDER_ERROR`). The message quotes the
 * provider's own message (also in `details.providerMessage`) and names the request, if any.
 */
export class ProviderError extends KernelError {
  constructor(message: string, options: ProviderErrorOptions = {}) {
    const { requestId, details, cause } = options;
    const providerMessage = message.trim() === '' ? 'no message given' : message.trim();
    const where = requestId === undefined ? '' : ` while serving request ${requestId}`;
    super('PROVIDER_ERROR', `The provider failed${where}: ${providerMessage}. Fix the cause reported by the provider (limits, permissions, capacity) and retry.`, {
      cause,
      details: { providerMessage, ...(requestId === undefined ? {} : { requestId }), ...details },
    });
  }
}
