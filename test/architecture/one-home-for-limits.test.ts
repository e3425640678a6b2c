import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { RequestMachines, RequestReturnMachines } from '../../src/application/requests/request.commands';
import { collectRequestAccount } from '../../src/domain/request/request-input';
import { parseMachineId } from '../../src/domain/shared/ids';
import { Request } from '../../src/domain/request/request';
import { REQUEST_LIMITS } from '../../src/domain/request/request-limits';
import { parseRequestMachinesInput, parseRequestReturnMachinesInput } from '../../src/hostfactory';
import { isKernelError } from '../../src/kernel';
import { Issues } from '../../src/kernel/validation';
import { aTemplate } from '../domain/support/builders';
import { ctxAt } from '../domain/support/context';
import { schemaErrors } from '../hostfactory/support';

/*
 * One home for each rule: the domain's REQUEST_LIMITS are the bounds, and the command, the Symphony
 * wire parser and the wire JSON Schema accept exactly them, value by value at each edge. A layer
 * with its own number (the wire parser's 10000 next to a command without a maximum, a command's
 * 200 next to the domain's 256) fails here.
 */

type Layer = (value: unknown) => void;

/** A document the wire JSON Schema refuses. */
class SchemaRefusal extends Error {}

/** true when `layer` takes `value`, false when it refuses it with VALIDATION_FAILED. */
function accepts(layer: Layer, value: unknown): boolean {
  try {
    layer(value);
    return true;
  } catch (error) {
    if (isKernelError(error, 'VALIDATION_FAILED') || error instanceof SchemaRefusal) return false;
    throw error;
  }
}

/** Each layer's verdict on each value; every layer must agree with `expected`. */
function expectSameBounds(layers: Record<string, Layer>, cases: readonly (readonly [value: unknown, label: string, expected: boolean])[]): void {
  for (const [name, layer] of Object.entries(layers)) {
    for (const [value, label, expected] of cases) expect(accepts(layer, value), `${name} on ${label}`).toBe(expected);
  }
}

const L = REQUEST_LIMITS;
const text = (length: number) => 'k'.repeat(length);
const schema = (name: Parameters<typeof schemaErrors>[0]) => (document: unknown) => {
  const errors = schemaErrors(name, document);
  if (errors.length > 0) throw new SchemaRefusal(errors.join('; '));
};
const throwIfAny = (work: (issues: Issues) => void) => {
  const issues = new Issues();
  work(issues);
  issues.throwIfAny('limits');
};

describe('a request field\'s bounds, in every layer', () => {
  it('machineCount: 1 to REQUEST_LIMITS.maxMachineCount in the domain, the command, the wire parser and its schema', () => {
    const requestMachines = (machineCount: unknown) => ({ template: { templateId: 'OnDemand', machineCount } });
    const unlimited = aTemplate({ templateId: 'OnDemand', maxNumber: -1 });
    expectSameBounds(
      {
        domain: (count) => Request.createAcquire({ template: unlimited, activeUnits: 0, requestedCount: count as number, limits: { maxPerRequest: Number.MAX_SAFE_INTEGER } }, ctxAt()),
        command: (count) => RequestMachines.from({ templateId: 'OnDemand', machineCount: count as number }),
        'wire parser': (count) => parseRequestMachinesInput(requestMachines(count)),
        'wire schema': (count) => schema('requestMachines.input')(requestMachines(count)),
      },
      [
        [L.minMachineCount - 1, 'min - 1', false],
        [L.minMachineCount, 'min', true],
        [L.maxMachineCount, 'max', true],
        [L.maxMachineCount + 1, 'max + 1', false],
      ],
    );
  });

  it('idempotencyKey: 1 to REQUEST_LIMITS.maxIdempotencyKeyLength code points in the domain and the command', () => {
    const unlimited = aTemplate({ templateId: 'OnDemand', maxNumber: -1 });
    expectSameBounds(
      {
        domain: (key) => Request.createAcquire({ template: unlimited, activeUnits: 0, requestedCount: 1, idempotencyKey: key as string }, ctxAt()),
        command: (key) => RequestMachines.from({ templateId: 'OnDemand', machineCount: 1, idempotencyKey: key as string }),
      },
      [
        ['', 'empty', false],
        [text(1), '1', true],
        [text(L.maxIdempotencyKeyLength), 'max', true],
        [text(L.maxIdempotencyKeyLength + 1), 'max + 1', false],
        ['\u{1F600}'.repeat(L.maxIdempotencyKeyLength), 'max in astral code points', true],
      ],
    );
  });

  it('timeoutSeconds: 1 to REQUEST_LIMITS.maxTimeoutSeconds in the domain and the command', () => {
    const unlimited = aTemplate({ templateId: 'OnDemand', maxNumber: -1 });
    expectSameBounds(
      {
        domain: (seconds) => Request.createAcquire({ template: unlimited, activeUnits: 0, requestedCount: 1, timeoutSeconds: seconds as number }, ctxAt()),
        command: (seconds) => RequestMachines.from({ templateId: 'OnDemand', machineCount: 1, timeoutSeconds: seconds as number }),
      },
      [
        [0, '0', false],
        [1, '1', true],
        [L.maxTimeoutSeconds, 'max', true],
        [L.maxTimeoutSeconds + 1, 'max + 1', false],
      ],
    );
  });

  it('a machine named for return: up to REQUEST_LIMITS.maxMachineReferenceLength code points, up to maxMachinesPerCall of them', () => {
    expectSameBounds(
      {
        domain: (name) => parseMachineId(name, 'name'),
        command: (name) => RequestReturnMachines.from({ machines: [{ name: name as string }] }),
        'wire parser': (name) => parseRequestReturnMachinesInput({ machines: [{ name }] }),
        'wire schema': (name) => schema('requestReturnMachines.input')({ machines: [{ name }] }),
      },
      [
        [text(L.maxMachineReferenceLength), 'max', true],
        [text(L.maxMachineReferenceLength + 1), 'max + 1', false],
      ],
    );
    const machines = (count: unknown) => Array.from({ length: count as number }, (_, i) => ({ name: `h-${i}` }));
    expectSameBounds(
      {
        command: (count) => RequestReturnMachines.from({ machines: machines(count) }),
        'wire parser': (count) => parseRequestReturnMachinesInput({ machines: machines(count) }),
        'wire schema': (count) => schema('requestReturnMachines.input')({ machines: machines(count) }),
      },
      [
        [L.maxMachinesPerCall, 'max', true],
        [L.maxMachinesPerCall + 1, 'max + 1', false],
      ],
    );
  });

  it('rc_account: up to REQUEST_LIMITS.maxRcAccountLength characters in the domain, the command, the wire parser and its schema', () => {
    const document = (account: unknown) => ({ template: { templateId: 'OnDemand', machineCount: 1 }, rc_account: account });
    expectSameBounds(
      {
        domain: (account) => throwIfAny((issues) => collectRequestAccount({ rcAccount: account as string }, issues)),
        command: (account) => RequestMachines.from({ templateId: 'OnDemand', machineCount: 1, rcAccount: account as string }),
        'wire parser': (account) => parseRequestMachinesInput(document(account)),
        'wire schema': (account) => schema('requestMachines.input')(document(account)),
      },
      [
        [text(L.maxRcAccountLength), 'max', true],
        [text(L.maxRcAccountLength + 1), 'max + 1', false],
      ],
    );
  });
});
