import { describe, expect, it } from 'vitest';
import {
  ConcurrencyConflictError,
  InvalidMachineStateTransitionError,
  InvalidRequestStateTransitionError,
  ProviderError,
  RequestNotFoundError,
  TemplateAlreadyExistsError,
  TemplateCapacityExceededError,
  TemplateInUseError,
} from '../../src/domain/shared/errors';
import { SchemaVersionUnsupportedError } from '../../src/domain/shared/upcasting';

const ids = (n: number) => Array.from({ length: n }, (_, i) => `req-${i + 1}`);

describe('Domain error messages', () => {
  it('say what happened and what to fix, in each variant', () => {
    const messages = [
      new TemplateInUseError('T1', ids(5)),
      new TemplateInUseError('T1', ids(6)),
      new TemplateCapacityExceededError('T1', 5, 2, 'template'),
      new TemplateCapacityExceededError('T1', 3, 2, 'template', { deliverable: 4 }),
      new TemplateCapacityExceededError('T1', 3, 3, 'template', { deliverable: 3 }),
      new TemplateCapacityExceededError('T1', 150, 100, 'per-request'),
      new InvalidRequestStateTransitionError('req-1', 'pending', 'completed', ['in_progress', 'failed']),
      new InvalidRequestStateTransitionError('req-1', 'completed', 'failed', []),
      new InvalidMachineStateTransitionError('i-1', 'shutting-down', 'running', ['terminated', 'unknown']),
      new InvalidMachineStateTransitionError('i-1', 'terminated', 'running', []),
      new ConcurrencyConflictError('Request', 'req-1', 3, null),
      new ProviderError('  RequestLimitExceeded  '),
      new ProviderError(' ', { requestId: 'req-1' }),
      new SchemaVersionUnsupportedError('snapshot', 'Request', 3, 1, 1),
      new SchemaVersionUnsupportedError('event', 'RequestCreated', 1, 4, 2),
      new SchemaVersionUnsupportedError('snapshot', 'Machine', '2', 1, 1),
      new SchemaVersionUnsupportedError('snapshot', 'Machine', undefined, 1, 1),
    ].map((error) => `${error.code}: ${error.message}`);
    expect(messages).toMatchInlineSnapshot(`
      [
        "TEMPLATE_IN_USE: Template "T1" is used by 5 open request(s) (req-1, req-2, req-3, req-4, req-5). Wait for them to finish or cancel them, then delete the template (or deactivate it now).",
        "TEMPLATE_IN_USE: Template "T1" is used by 6 open request(s) (req-1, req-2, req-3, req-4, req-5, ...). Wait for them to finish or cancel them, then delete the template (or deactivate it now).",
        "TEMPLATE_CAPACITY_EXCEEDED: Requested 5 unit(s) but template "T1" has 2 unit(s) of capacity left. Ask for at most 2, return machines, or raise the template's maxNumber.",
        "TEMPLATE_CAPACITY_EXCEEDED: Requested 3 unit(s) (4 once rounded up to whole machines) but template "T1" has 2 unit(s) of capacity left. Ask for at most 2, return machines, or raise the template's maxNumber.",
        "TEMPLATE_CAPACITY_EXCEEDED: Requested 3 unit(s) but template "T1" has 3 unit(s) of capacity left. Ask for at most 3, return machines, or raise the template's maxNumber.",
        "TEMPLATE_CAPACITY_EXCEEDED: Requested 150 unit(s) but a single request may ask for at most 100 unit(s). Ask for at most 100, or split the request.",
        "INVALID_REQUEST_STATE_TRANSITION: Request "req-1" cannot move from "pending" to "completed": from "pending" it may only move to in_progress, failed. Nothing was changed.",
        "INVALID_REQUEST_STATE_TRANSITION: Request "req-1" cannot move from "completed" to "failed": "completed" is terminal. Nothing was changed.",
        "INVALID_MACHINE_STATE_TRANSITION: Machine "i-1" cannot move from "shutting-down" to "running": from "shutting-down" it may only move to terminated, unknown. The report was not applied.",
        "INVALID_MACHINE_STATE_TRANSITION: Machine "i-1" cannot move from "terminated" to "running": "terminated" is terminal. The report was not applied.",
        "CONCURRENCY_CONFLICT: Request "req-1" was expected at version 3 but it does not exist; someone else changed it. Reload it and retry the command.",
        "PROVIDER_ERROR: The provider failed: RequestLimitExceeded. Fix the cause reported by the provider (limits, permissions, capacity) and retry.",
        "PROVIDER_ERROR: The provider failed while serving request req-1: no message given. Fix the cause reported by the provider (limits, permissions, capacity) and retry.",
        "SCHEMA_VERSION_UNSUPPORTED: A stored Request snapshot has schema version 3; this release reads version 1. A newer release wrote it: upgrade this process (every replica) to that release or later; nothing was changed.",
        "SCHEMA_VERSION_UNSUPPORTED: A stored RequestCreated event has schema version 1; this release reads versions 2 to 4. It is older than any upcaster this release has: read it with the release that still upcasts it, or register an upcaster from that version.",
        "SCHEMA_VERSION_UNSUPPORTED: A stored Machine snapshot has schema version "2"; this release reads version 1. That is not a schema version (an integer ≥ 1): the stored record is damaged or was not written by this library.",
        "SCHEMA_VERSION_UNSUPPORTED: A stored Machine snapshot has schema version undefined; this release reads version 1. That is not a schema version (an integer ≥ 1): the stored record is damaged or was not written by this library.",
      ]
    `);
  });

  it('carry the values behind the message', () => {
    expect(new TemplateInUseError('T1', ids(6)).details).toEqual({ templateId: 'T1', openRequestIds: ids(6) });
    expect(new TemplateCapacityExceededError('T1', 3, 2, 'template', { deliverable: 4 }).details).toEqual({ templateId: 'T1', requested: 3, available: 2, limit: 'template', deliverable: 4 });
    expect(new InvalidRequestStateTransitionError('req-1', 'pending', 'completed', ['in_progress']).details).toEqual({ requestId: 'req-1', from: 'pending', to: 'completed', allowed: ['in_progress'] });
    expect(new InvalidMachineStateTransitionError('i-1', 'terminated', 'running', []).details).toEqual({ machineId: 'i-1', from: 'terminated', to: 'running', allowed: [] });
    expect(new ConcurrencyConflictError('Request', 'req-1', 3, null).details).toEqual({ aggregateType: 'Request', id: 'req-1', expectedVersion: 3, actualVersion: null });
    expect(new ProviderError(' x ', { details: { api: 'RunInstances' } }).details).toEqual({ providerMessage: 'x', api: 'RunInstances' });
    expect(new ProviderError('x', { requestId: 'req-1' }).details).toEqual({ providerMessage: 'x', requestId: 'req-1' });
    expect(new SchemaVersionUnsupportedError('snapshot', 'Machine', undefined, 1, 1).details).toEqual({ kind: 'snapshot', type: 'Machine', storedVersion: null, supportedVersion: 1, oldestVersion: 1 });
  });
});

describe('each refusal names its subject in its message and its details', () => {
  it('TemplateAlreadyExistsError and RequestNotFoundError', () => {
    const exists = new TemplateAlreadyExistsError('T1');
    expect(exists.message).toContain('"T1" already exists');
    expect(exists.details).toStrictEqual({ templateId: 'T1' });
    const missing = new RequestNotFoundError('req-x');
    expect(missing.message).toContain('"req-x" does not exist');
    expect(missing.details).toStrictEqual({ requestId: 'req-x' });
  });

  it('InvalidMachineStateTransitionError lists the statuses allowed', () => {
    expect(new InvalidMachineStateTransitionError('m1', 'pending', 'terminated', ['running']).details).toMatchObject({ allowed: ['running'] });
  });

  it('ConcurrencyConflictError says which version it found', () => {
    expect(new ConcurrencyConflictError('Template', 'T1', 2, 3).message).toContain('it is at version 3');
    expect(new ConcurrencyConflictError('Template', 'T1', 2, null).message).toContain('it does not exist');
  });

  it('TemplateCapacityExceededError mentions rounding only for a numeric deliverable above the request', () => {
    expect(new TemplateCapacityExceededError('T1', 3, 2, 'template', { deliverable: 4 }).message).toContain('(4 once rounded up to whole machines)');
    expect(new TemplateCapacityExceededError('T1', 3, 2, 'template', { deliverable: '5' }).message).not.toContain('rounded');
  });

  it('ProviderError has no requestId key when none was given', () => {
    expect(new ProviderError('boom').details).toStrictEqual({ providerMessage: 'boom' });
  });
});
